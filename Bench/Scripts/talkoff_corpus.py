#!/usr/bin/env python3
"""Helper of Bench/Scripts/talkoff-corpus: plans, builds and lists the talk-off corpus.

    talkoff_corpus.py plan OUTDIR [SUBSET_LIST]   choose the source files, write OUTDIR/.work/plan.tsv
    talkoff_corpus.py pending OUTDIR              print the plan lines still to build, largest first
    talkoff_corpus.py build OUTDIR INDEX...       build the native and hot copies of those plan lines
    talkoff_corpus.py manifest OUTDIR             write OUTDIR/manifest.tsv and print the summary

Standard library only (a fresh Debian 12 machine has no numpy). Audio is decoded and resampled by
sox (opusdec first for .opus, which sox 14.4 cannot read); the soft clipper and G.711 are done here.
The environment variable FORCE=1 rebuilds files that are already there.
"""

import array
import hashlib
import math
import os
import re
import subprocess
import sys
import tempfile

RATE = 8000

# Where each package keeps its audio: the relative paths (which name the source in the split, the
# subset list and the corpus) are taken from here.
ROOTS = {
    "supertux-data": "/usr/share/games/supertux2",
    "supertuxkart-data": "/usr/share/games/supertuxkart/data",
    "hedgewars-data": "/usr/share/games/hedgewars/Data",
    "warzone2100-music": "/usr/share/games/warzone2100/music",
    "megaglest-data": "/usr/share/games/megaglest",
    "extremetuxracer-data": "/usr/share/games/etr",
    "xmoto-data": "/usr/share/games/xmoto",
    "frozen-bubble-data": "/usr/share/games/frozen-bubble",
    "lincity-ng-data": "/usr/share/games/lincity-ng",
    "asterisk-core-sounds-en-wav": "/usr/share/asterisk/sounds",
    "asterisk-core-sounds-ru-wav": "/usr/share/asterisk/sounds",
    "festival": "/usr/share",
}
MUSIC_PACKAGES = [
    "supertux-data", "supertuxkart-data", "hedgewars-data", "warzone2100-music", "megaglest-data",
    "extremetuxracer-data", "xmoto-data", "frozen-bubble-data", "lincity-ng-data",
]
PROMPT_PACKAGES = ["asterisk-core-sounds-en-wav", "asterisk-core-sounds-ru-wav"]

# Festival reads the start of texts that every Debian machine has (base-files and the copyright
# files of essential packages), FESTIVAL_CHARS characters of each: about 2 minutes of speech each,
# about an hour in all.
FESTIVAL_TEXTS = [
    "common-licenses/" + name for name in (
        "Apache-2.0", "Artistic", "BSD", "CC0-1.0", "GFDL-1.3", "GPL-1", "GPL-2", "GPL-3",
        "LGPL-2.1", "LGPL-3", "MPL-1.1", "MPL-2.0")
] + [
    "doc/%s/copyright" % name for name in (
        "base-files", "bash", "coreutils", "dpkg", "apt", "tar", "grep", "sed", "findutils", "gzip",
        "util-linux", "diffutils", "debianutils", "login", "hostname", "ncurses-base", "mawk",
        "sensible-utils")
]
FESTIVAL_CHARS = 1600
FESTIVAL_VOICE = "(voice_ked_diphone)"  # festvox-kdlpc16k

AUDIO_EXTENSIONS = {".ogg", ".oga", ".wav", ".flac", ".opus"}
TRACKER_EXTENSIONS = {".xm", ".mod", ".it", ".s3m"}  # sox cannot read them: skipped
MIN_MUSIC_SECONDS = 10.0  # shorter files that are not voices are sound effects: skipped

# Hot copy: +6 dB into a tanh soft clipper after normalising the peak to full scale.
HOT_GAIN = 2.0


def log(message):
    print(message, file=sys.stderr, flush=True)


def fail(message):
    log("talkoff-corpus: " + message)
    sys.exit(1)


def work_dir(out):
    return os.path.join(out, ".work")


# ---------------------------------------------------------------- choosing the sources


def half_of(package, rel):
    """The fixed split by source file: first byte of sha1("package/rel"), even: tune, odd: check."""
    return "tune" if hashlib.sha1(("%s/%s" % (package, rel)).encode()).digest()[0] % 2 == 0 else "check"


def flat_name(rel):
    """The corpus file of a source: its relative path with / as __ and spaces as _, then .sln."""
    return rel.replace("/", "__").replace(" ", "_") + ".sln"


def is_voice(package, rel):
    """Voices are taken whatever their length; everything else only from MIN_MUSIC_SECONDS."""
    if package in PROMPT_PACKAGES or package == "festival":
        return True
    if package == "hedgewars-data":
        return rel.startswith("Sounds/voices/")
    if package == "megaglest-data":  # a unit's spoken answers when selected or given an order
        return re.search(r"_(ack|select)[0-9]*\.(wav|ogg)$", rel) is not None
    if package == "supertux-data":
        return rel.startswith("speech/")
    return False


def package_files(package):
    """Regular files (not links) that dpkg says the package installed, sorted."""
    result = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    return sorted(p for p in result.stdout.splitlines() if os.path.isfile(p) and not os.path.islink(p))


def relative(package, path):
    root = ROOTS[package] + "/"
    return path[len(root):] if path.startswith(root) else path.lstrip("/")


def ogg_seconds(path):
    """Length of an Ogg Opus or Vorbis file from its last granule position (sox cannot read Opus)."""
    with open(path, "rb") as f:
        head = f.read(4096)
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65536))
        tail = f.read()
    last = tail.rfind(b"OggS")
    if last < 0 or len(tail) < last + 14:
        return None
    granule = int.from_bytes(tail[last + 6:last + 14], "little")
    opus = head.find(b"OpusHead")
    if opus >= 0:
        preskip = int.from_bytes(head[opus + 10:opus + 12], "little")
        return max(0, granule - preskip) / 48000.0
    vorbis = head.find(b"\x01vorbis")
    if vorbis >= 0:
        rate = int.from_bytes(head[vorbis + 12:vorbis + 16], "little")
        return granule / rate if rate else None
    return None


def durations(paths):
    """Seconds of each file (None if unreadable): soxi in batches, Ogg Opus parsed here."""
    seconds = {}
    rest = []
    for p in paths:
        if p.endswith(".opus"):
            seconds[p] = ogg_seconds(p)
        else:
            rest.append(p)
    for start in range(0, len(rest), 200):
        batch = rest[start:start + 200]
        result = subprocess.run(["soxi", "-D"] + batch, capture_output=True, text=True)
        lines = result.stdout.split()
        if result.returncode == 0 and len(lines) == len(batch):
            seconds.update((p, float(s)) for p, s in zip(batch, lines))
            continue
        for p in batch:  # some file failed: one at a time to know which
            one = subprocess.run(["soxi", "-D", p], capture_output=True, text=True)
            try:
                seconds[p] = float(one.stdout.strip()) if one.returncode == 0 else None
            except ValueError:
                seconds[p] = None
    return seconds


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def have_festival():
    return (subprocess.run(["sh", "-c", "command -v text2wave"], capture_output=True).returncode == 0
            and os.path.isdir("/usr/share/festival/voices/english/ked_diphone"))


def plan_full():
    entries, skipped = [], []
    for package in MUSIC_PACKAGES + PROMPT_PACKAGES:
        files = package_files(package)
        if files is None:
            log("  %s is not installed: skipped" % package)
            skipped.append((package, "-", "package not installed"))
            continue
        candidates = []
        for path in files:
            rel = relative(package, path)
            ext = os.path.splitext(path)[1].lower()
            if package in PROMPT_PACKAGES and ext != ".wav":
                continue
            if ext in TRACKER_EXTENSIONS:
                skipped.append((package, path, "tracker module (sox cannot read it)"))
            elif ext in AUDIO_EXTENSIONS:
                candidates.append((path, rel))
        seconds = durations([p for p, _ in candidates])
        for path, rel in candidates:
            length = seconds.get(path)
            if length is None:
                skipped.append((package, path, "unreadable"))
            elif length == 0:
                skipped.append((package, path, "empty"))
            elif is_voice(package, rel):
                entries.append(("speech", package, path, rel))
            elif length < MIN_MUSIC_SECONDS:
                skipped.append((package, path, "sound effect under %g s" % MIN_MUSIC_SECONDS))
            else:
                entries.append(("music", package, path, rel))
    if have_festival():
        for rel in FESTIVAL_TEXTS:
            path = os.path.join(ROOTS["festival"], rel)
            if os.path.isfile(path):
                entries.append(("speech", "festival", path, rel))
            else:
                skipped.append(("festival", path, "text not on this machine"))
    else:
        log("  festival or festvox-kdlpc16k is not installed: no festival speech")
        skipped.append(("festival", "-", "festival or festvox-kdlpc16k not installed"))

    # The same audio under two names (games copy their sounds around) is taken once, so that no
    # audio is in both halves.
    kept, seen = [], {}
    for entry in sorted(entries, key=lambda e: (e[1], e[3])):
        digest = sha1_file(entry[2])
        if digest in seen:
            skipped.append((entry[1], entry[2], "same content as " + seen[digest]))
        else:
            seen[digest] = entry[2]
            kept.append(entry)
    return kept, skipped


def plan_subset(list_path):
    entries = []
    with open(list_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 2 or fields[0] not in ROOTS:
                fail("%s:%d: not a 'package<TAB>relative-path' line" % (list_path, number))
            package, rel = fields
            path = os.path.join(ROOTS[package], rel)
            if not os.path.isfile(path):
                fail("%s:%d: %s is missing (is %s installed?)" % (list_path, number, path, package))
            if half_of(package, rel) != "check":
                fail("%s:%d: %s/%s is in the tune half" % (list_path, number, package, rel))
            entries.append(("speech" if is_voice(package, rel) else "music", package, path, rel))
    if any(e[1] == "festival" for e in entries) and not have_festival():
        fail("the subset has festival texts but festival or festvox-kdlpc16k is not installed")
    return sorted(entries, key=lambda e: (e[1], e[3])), []


def cmd_plan(out, subset=None):
    entries, skipped = plan_subset(subset) if subset else plan_full()
    os.makedirs(work_dir(out), exist_ok=True)
    with open(os.path.join(work_dir(out), "plan.tsv"), "w", encoding="utf-8") as f:
        for index, (kind, package, path, rel) in enumerate(entries, 1):
            f.write("\t".join([str(index), half_of(package, rel), kind, package, path, rel]) + "\n")
    with open(os.path.join(work_dir(out), "skipped.tsv"), "w", encoding="utf-8") as f:
        f.write("package\tsource\treason\n")
        for row in skipped:
            f.write("\t".join(row) + "\n")
    log("planned %d source files" % len(entries))
    reasons = {}
    for _, _, reason in skipped:
        reason = "same content as another file" if reason.startswith("same content") else reason
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        log("  skipped %4d: %s" % (count, reason))
    if skipped:
        log("  (the list: %s)" % os.path.join(work_dir(out), "skipped.tsv"))


# ---------------------------------------------------------------- building


def ulaw_encode(x):
    """G.711 µ-law of a 16-bit sample."""
    sign = 0x80 if x < 0 else 0
    magnitude = min(-x if x < 0 else x, 32635) + 0x84
    exponent = magnitude.bit_length() - 8
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def ulaw_decode(code):
    code = ~code & 0xFF
    magnitude = ((((code & 0x0F) << 3) + 0x84) << ((code >> 4) & 0x07)) - 0x84
    return -magnitude if code & 0x80 else magnitude


# 16-bit sample -> the same after µ-law and back; indexed by the sample itself (Python lists take
# negative indexes from the end, so the negative half sits at 32768...65535).
_g711 = []
_hot_tables = {}


def g711_table():
    if not _g711:
        _g711.extend(ulaw_decode(ulaw_encode(i if i < 32768 else i - 65536)) for i in range(65536))
    return _g711


def hot_table(peak):
    """Sample -> normalised to the peak, +6 dB through tanh, through G.711 (cached by peak)."""
    table = _hot_tables.get(peak)
    if table is None:
        scale, g711 = HOT_GAIN / peak, g711_table()
        table = [g711[int(round(32767.0 * math.tanh(scale * (i if i < 32768 else i - 65536))))]
                 for i in range(65536)]
        _hot_tables[peak] = table
    return table


def warn(out, text):
    log("  warning: " + text)
    with open(os.path.join(work_dir(out), "warnings.log"), "a", encoding="utf-8") as f:
        f.write(text + "\n")


def decode_to_sox(source, effects, out, label, opus_gain=0):
    """Runs source through sox (with opusdec before it for .opus) and returns the raw 8 kHz output."""
    output = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-"]
    if source.endswith(".opus"):
        opusdec = subprocess.Popen(
            ["opusdec", "--quiet", "--rate", "48000", "--force-stereo", "--float", "--gain", str(opus_gain),
             source, "-"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        command = ["sox", "-R", "-D", "-t", "raw", "-e", "floating-point", "-b", "32", "-L", "-c", "2",
                   "-r", "48000", "-"] + output + effects
        result = subprocess.run(command, stdin=opusdec.stdout, capture_output=True)
        opusdec.stdout.close()
        if opusdec.wait() != 0:
            raise RuntimeError("opusdec failed on " + source)
    else:
        command = ["sox", "-R", "-D", source] + output + effects
        result = subprocess.run(command, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError("sox failed on %s: %s" % (source, result.stderr.decode(errors="replace").strip()))
    for line in result.stderr.decode(errors="replace").splitlines():
        if line.strip():
            warn(out, "%s (%s): %s" % (label, source, line.strip()))
    return result.stdout


def write_atomically(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def festival_text(path):
    """The start of a text, cleaned of what festival would spell out letter by letter."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = re.sub(r"(https?|ftp)://\S+|www\.\S+", " ", text)
    text = re.sub(r"<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?", " ", text)
    text = re.sub(r"([^\w\s])\1{2,}", " ", text)  # rules such as ---- or ====
    # Words of punctuation alone, such as the " ." lines of Debian's copyright files: festival 2.5
    # crashes (segmentation fault) on a sentence that is nothing but a full stop.
    text = re.sub(r"(?<!\S)[^\w\s]+(?!\S)", " ", text)
    text = re.sub(r"[ \t]+", " ", text)
    if len(text) > FESTIVAL_CHARS:
        cut = text[:FESTIVAL_CHARS]
        end = max(cut.rfind(". "), cut.rfind(".\n"))
        text = cut[:end + 1] if end > FESTIVAL_CHARS // 2 else cut[:cut.rfind(" ")]
    return text


def festival_wave(out, path, rel, force):
    wav = os.path.join(work_dir(out), "festival", flat_name(rel)[:-4] + ".wav")
    if force or not os.path.exists(wav):
        os.makedirs(os.path.dirname(wav), exist_ok=True)
        with tempfile.TemporaryDirectory(dir=os.path.dirname(wav)) as tmp:
            txt = os.path.join(tmp, "text.txt")
            with open(txt, "w", encoding="utf-8") as f:
                f.write(festival_text(path))
            # At half of festival's level: at its own, its peaks reach full scale and clip in the resampler.
            result = subprocess.run(["text2wave", "-eval", FESTIVAL_VOICE, "-scale", "0.5", txt,
                                     "-o", os.path.join(tmp, "speech.wav")],
                                    capture_output=True)
            if result.returncode != 0:
                raise RuntimeError("text2wave failed (exit %d) on %s: %s" % (result.returncode, path,
                                   result.stderr.decode(errors="replace").strip()[-300:]))
            os.rename(os.path.join(tmp, "speech.wav"), wav)
    return wav


def build_one(out, line, total, force):
    index, half, kind, package, source, rel = line
    native = os.path.join(out, half, "native", package, flat_name(rel))
    hot = os.path.join(out, half, "hot", package, flat_name(rel))
    done = []
    if force or not (os.path.exists(native) and os.path.exists(hot)):
        audio = festival_wave(out, source, rel, force) if package == "festival" else source
        if force or not os.path.exists(native):
            write_atomically(native, decode_to_sox(audio, ["channels", "1", "rate", str(RATE)], out, "native"))
            done.append("native")
        if force or not os.path.exists(hot):
            # 6 dB of headroom for the overshoot of the resampler and the band filter (and for Opus
            # decoded past full scale), then sox normalises (gain -n keeps its 32-bit samples in a
            # temporary file, so nothing clips before the soft clipper; 0.1 dB under full scale so
            # that rounding does not clip either); the peak is measured again here all the same.
            raw = decode_to_sox(audio, ["channels", "1", "gain", "-6", "rate", str(RATE), "sinc", "300-3400",
                                        "gain", "-n", "-0.1"], out, "hot", opus_gain=-6)
            samples = array.array("h")
            samples.frombytes(raw)
            if sys.byteorder == "big":
                samples.byteswap()
            peak = max(max(samples, default=0), -min(samples, default=0))
            if peak > 0:
                table = hot_table(peak)
                samples = array.array("h", [table[x] for x in samples])
            if sys.byteorder == "big":
                samples.byteswap()
            write_atomically(hot, samples.tobytes())
            done.append("hot")
    seconds = os.path.getsize(native) / (2.0 * RATE)
    log("[%*s/%s] %s %s %s/%s: %s (%.1f s)" % (len(total), index, total, half, kind, package, rel,
                                             "built " + "+".join(done) if done else "present", seconds))


def read_plan(out):
    with open(os.path.join(work_dir(out), "plan.tsv"), encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def cmd_pending(out):
    """Prints the plan lines still to build (all with FORCE=1), the largest sources first, so that
    the workers end together."""
    force = os.environ.get("FORCE", "") not in ("", "0")
    plan = read_plan(out)
    pending = [line for line in plan if force or not all(
        os.path.exists(os.path.join(out, line[1], copy, line[3], flat_name(line[5]))) for copy in ("native", "hot"))]
    if len(pending) < len(plan):
        log("%d of %d source files are built already (FORCE=1 builds them again)" % (len(plan) - len(pending), len(plan)))
    pending.sort(key=lambda line: (-os.path.getsize(line[4]), int(line[0])))
    for line in pending:
        print(line[0])


def cmd_build(out, indexes):
    force = os.environ.get("FORCE", "") not in ("", "0")
    plan = read_plan(out)
    total = str(len(plan))
    wanted = set(indexes)
    failed = 0
    for line in plan:
        if line[0] in wanted:
            try:
                build_one(out, line, total, force)
            except (RuntimeError, OSError) as error:
                log("  error: %s" % error)
                failed += 1
    sys.exit(1 if failed else 0)


# ---------------------------------------------------------------- manifest and summary


def cmd_manifest(out):
    rows, missing = [], 0
    for _, half, kind, package, source, rel in read_plan(out):
        for copy in ("native", "hot"):
            file = "/".join([half, copy, package, flat_name(rel)])
            path = os.path.join(out, file)
            if not os.path.exists(path):
                missing += 1
                continue
            rows.append((half, copy, kind, package, source, file, "%.3f" % (os.path.getsize(path) / (2.0 * RATE))))
    rows.sort(key=lambda r: (r[0], r[1], r[3], r[5]))
    tmp = os.path.join(out, ".manifest.tsv.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("half\tcopy\tkind\tpackage\tsource\tfile\tseconds\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    os.rename(tmp, os.path.join(out, "manifest.tsv"))

    hours, files = {}, {}
    for half, copy, kind, package, _, _, seconds in rows:
        for key in ((half, copy, kind), (half, copy, "all"), ("all", "all", kind), ("all", "all", "all")):
            hours[key] = hours.get(key, 0.0) + float(seconds) / 3600
            files[key] = files.get(key, 0) + 1
    print("talk-off corpus %s: %d files, %.2f hours" % (out, len(rows), hours.get(("all", "all", "all"), 0)))
    print("  %-6s %-7s %13s %13s %13s" % ("half", "copy", "music h", "speech h", "total h"))
    for half in ("tune", "check"):
        for copy in ("native", "hot"):
            print("  %-6s %-7s" % (half, copy) + "".join(
                " %7.2f (%4d)" % (hours.get((half, copy, k), 0), files.get((half, copy, k), 0))
                for k in ("music", "speech", "all")))
    print("  %-14s" % "all" + "".join(" %7.2f (%4d)" % (hours.get(("all", "all", k), 0), files.get(("all", "all", k), 0))
                                      for k in ("music", "speech", "all")))
    if missing:
        log("talkoff-corpus: %d planned files are missing (see the errors above)" % missing)
        sys.exit(1)


def main(argv):
    if len(argv) >= 2 and argv[0] == "plan" and len(argv) <= 3:
        cmd_plan(argv[1], argv[2] if len(argv) == 3 else None)
    elif len(argv) >= 2 and argv[0] == "build":
        cmd_build(argv[1], argv[2:])
    elif len(argv) == 2 and argv[0] == "pending":
        cmd_pending(argv[1])
    elif len(argv) == 2 and argv[0] == "manifest":
        cmd_manifest(argv[1])
    else:
        fail("usage: talkoff_corpus.py plan OUTDIR [SUBSET_LIST] | pending OUTDIR | build OUTDIR INDEX... | manifest OUTDIR")


if __name__ == "__main__":
    main(sys.argv[1:])
