#!/usr/bin/env bash
# Renders the prompts of Prompts/manifest.tsv with espeak-ng and stores them as 8 kHz mono Ogg Opus:
#   Prompts/<language>/<id>.opus, and Prompts/<id>.opus for language-neutral lines (language "-").
#
# Usage: Prompts/render.sh [id ...]      (no ids: every line of the manifest)
#
# Needs: espeak-ng (the voices ru, en-us, tt), the ivrmedia CLI (for resampling to 8 kHz; built with
# `swift build --product ivrmedia`, or named by $IVRMEDIA), and opusenc (opus-tools) for a compact
# 12 kbit/s encoding. Without opusenc, `ivrmedia convert` encodes the Opus files (libsndfile's default
# bitrate, about 20 kbit/s). The rendered files are committed: `make test` does not run this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
manifest="$here/manifest.tsv"

ivrmedia=${IVRMEDIA:-}
if [ -z "$ivrmedia" ]; then
    for candidate in "$repo/.build/release/ivrmedia" "$repo/.build/debug/ivrmedia"; do
        if [ -x "$candidate" ]; then ivrmedia=$candidate; break; fi
    done
fi
if [ -z "$ivrmedia" ] || [ ! -x "$ivrmedia" ]; then
    echo "render.sh: ivrmedia not found; run 'swift build --product ivrmedia' or set IVRMEDIA" >&2
    exit 69
fi
command -v espeak-ng >/dev/null || { echo "render.sh: espeak-ng not found (apt-get install espeak-ng)" >&2; exit 69; }
have_opusenc=0
command -v opusenc >/dev/null && have_opusenc=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# espeak-ng voice and speed (words per minute) per language.
voice() {
    case "$1" in
        ru) echo "ru 150" ;;
        en) echo "en-us 155" ;;
        tt) echo "tt 145" ;;
        *) echo "render.sh: no voice for language '$1'" >&2; exit 65 ;;
    esac
}

# speak LANGUAGE TEXT OUT.sln: one segment as signed 16-bit 8 kHz mono.
speak() {
    local name speed
    read -r name speed <<<"$(voice "$1")"
    espeak-ng -v "$name" -s "$speed" -w "$work/segment.wav" "$2"
    "$ivrmedia" convert "$work/segment.wav" "$3"
}

wanted() {
    [ $# -eq 1 ] && return 0
    local id=$1; shift
    for w in "$@"; do [ "$w" = "$id" ] && return 0; done
    return 1
}

count=0
while IFS=$'\t' read -r id language text; do
    case "$id" in ''|'#'*) continue ;; esac
    wanted "$id" "$@" || continue
    if [ "$language" = "-" ]; then
        out="$here/$id.opus"
    else
        out="$here/$language/$id.opus"
    fi
    mkdir -p "$(dirname "$out")"
    : >"$work/all.sln"
    if [ "$language" = "-" ]; then
        # "[ru] ... [en] ... [tt] ...": each segment in its own voice, 300 ms apart.
        rest=$text
        first=1
        while [[ $rest =~ ^[[:space:]]*\[([a-z]+)\][[:space:]]*([^[]*)(.*)$ ]]; do
            segment_language=${BASH_REMATCH[1]}
            segment_text=${BASH_REMATCH[2]}
            rest=${BASH_REMATCH[3]}
            [ $first -eq 1 ] || head -c 4800 /dev/zero >>"$work/all.sln"
            first=0
            speak "$segment_language" "$segment_text" "$work/part.sln"
            cat "$work/part.sln" >>"$work/all.sln"
        done
    else
        speak "$language" "$text" "$work/all.sln"
    fi
    if [ $have_opusenc -eq 1 ]; then
        opusenc --quiet --raw --raw-bits 16 --raw-rate 8000 --raw-chan 1 --raw-endianness 0 \
            --bitrate 12 --speech --comp 10 --framesize 20 --padding 0 "$work/all.sln" "$out"
    else
        "$ivrmedia" convert "$work/all.sln" "$out"
    fi
    count=$((count + 1))
done <"$manifest"

echo "render.sh: $count prompts rendered below $here"
