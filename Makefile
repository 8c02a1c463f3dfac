# ivrmedia: the README's commands. Each target installs what it needs (Debian 12 with Swift).
#   make demo   build, make a demo call recording with `ivrmedia generate`, find its keys with `ivrmedia detect`,
#               then play it through Example A with `ivrmedia check` and `ivrmedia simulate`
#   make test   install the libraries and test material (the talk-off subset too), build, and run every test;
#               then the threaded suites again under the thread sanitizer
#   make talkoff-corpus   build the whole talk-off corpus for Bench (about 24 hours of audio)
#   make bench  run the benchmarks in Bench/ (release builds) and the comparison with SpanDSP
#   make soak   long runs with flat memory (Bench/ soak, release): SOAK_CALLS simulated calls through both
#               examples, then SOAK_HOURS of audio on 30 live lines with a reload every hour (defaults
#               100000 and 24: about 20 minutes on 2 shared cores); exits non-zero when memory grows after warm-up
#   make fuzz   fuzz every parser with libFuzzer and the address sanitizer (FUZZ_SECONDS each, default 60;
#               FUZZ_RUNS=N ends each after N executions)
#   make test-asan, make test-tsan   the whole suite under the address and undefined-behaviour
#               sanitizers, or under the thread sanitizer (own build folders: .build-asan, .build-tsan)

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build: the three C libraries of the package.
BUILD_PACKAGES := pkg-config libsndfile1-dev libopus-dev libasound2-dev
# Tests: the speech corpus (Debian's Asterisk prompts and music on hold; the talk-off subset has its own
# target below, which `make test` runs); a JACK server
# (dummy backend) and alsa-lib's jack plugin, which pace the AudioIO tests in real time with no sound card.
TEST_PACKAGES := $(BUILD_PACKAGES) asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav \
	asterisk-moh-opsound-wav jackd2 libasound2-plugins
# Bench: SpanDSP, the peer the DTMF receiver is measured against.
BENCH_PACKAGES := $(BUILD_PACKAGES) libspandsp-dev asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav \
	asterisk-moh-opsound-wav

DEMO_DIR := .build/demo

.PHONY: demo test bench soak build deps-build deps-test deps-bench clean fuzz test-asan test-tsan

# Installs the packages in $(1) that are missing: one apt-get update, one apt-get install.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps-build:
	$(call install_missing,$(BUILD_PACKAGES))

deps-test:
	$(call install_missing,$(TEST_PACKAGES))

deps-bench:
	$(call install_missing,$(BENCH_PACKAGES))

build: deps-build
	$(SWIFT) build -c release --product ivrmedia

demo: build
	@mkdir -p $(DEMO_DIR)
	@bin=$$($(SWIFT) build -c release --show-bin-path); set -e; \
	echo "== A caller presses 9, waits a second, then types 505#: an 8 kHz A-law recording (.al)"; \
	echo '$$ ivrmedia generate "9,,505#" --lead-ms 700 --on-ms 70 --off-ms 80 --level-dbm0 -12 --twist-db 2 -o $(DEMO_DIR)/demo-call.al'; \
	$$bin/ivrmedia generate "9,,505#" --lead-ms 700 --on-ms 70 --off-ms 80 --level-dbm0 -12 --twist-db 2 \
		-o $(DEMO_DIR)/demo-call.al; \
	echo '$$ ivrmedia detect $(DEMO_DIR)/demo-call.al'; \
	$$bin/ivrmedia detect $(DEMO_DIR)/demo-call.al; \
	echo '$$ ivrmedia detect --json $(DEMO_DIR)/demo-call.al'; \
	$$bin/ivrmedia detect --json $(DEMO_DIR)/demo-call.al; \
	echo; echo "== The same call through Example A (examples/operator-hotline.yaml): check the menu, then simulate"; \
	echo '$$ ivrmedia check --menu examples/operator-hotline.yaml'; \
	$$bin/ivrmedia check --menu examples/operator-hotline.yaml; \
	echo '$$ ivrmedia simulate --menu examples/operator-hotline.yaml --caller $(DEMO_DIR)/demo-call.al --heard $(DEMO_DIR)/heard.wav'; \
	$$bin/ivrmedia simulate --menu examples/operator-hotline.yaml --caller $(DEMO_DIR)/demo-call.al \
		--heard $(DEMO_DIR)/heard.wav; \
	echo "== What the caller heard: $(DEMO_DIR)/heard.wav"; \
	echo; echo "== Live: ivrmedia run on a sound card that needs no hardware (examples/alsa-demo.conf: ALSA's file"; \
	echo "   plugin, capture from a recorded call, paced in real time), events printed as they happen"; \
	$$bin/ivrmedia generate "9,,505#" --lead-ms 700 --on-ms 70 --off-ms 80 --level-dbm0 -12 -o $(DEMO_DIR)/demo-call.sln; \
	echo '$$ ivrmedia run --menu examples/operator-hotline.yaml --alsa-config examples/alsa-demo.conf --device ivrdemo --line-ids fxo0 --answer-all --pacing clock --duration 7 --transfer-result ok'; \
	$$bin/ivrmedia run --menu examples/operator-hotline.yaml --alsa-config examples/alsa-demo.conf --device ivrdemo \
		--line-ids fxo0 --answer-all --pacing clock --duration 7 --transfer-result ok < /dev/null; \
	$$bin/ivrmedia convert $(DEMO_DIR)/heard.raw $(DEMO_DIR)/heard-live.wav; \
	echo "== What the caller heard on the line: $(DEMO_DIR)/heard-live.wav"

# Every test, then the suites where threads meet (the live engine and its rings, the control channel,
# reloads, the faults around a run) and the fuzz corpora once more under the thread sanitizer.
THREAD_SUITES := MediaPipelineTests|RunControlTests|RunFaultTests|FuzzTargetsTests
test: deps-test talkoff-subset
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest
	$(MAKE) --no-print-directory test-tsan TSAN_FILTER='$(THREAD_SUITES)'

# The sanitizers' suites: each its own build folder, so that the plain build stays as it is.
# Swift has no undefined-behaviour sanitizer of its own (its debug build traps on overflow and out-of-
# bounds access anyway); the C code built here (libyaml inside Yams, the shims) gets clang's, whose
# handlers are in the address sanitizer's runtime, and any report stops the test. Fuzz/lsan.supp tells
# LeakSanitizer about Swift's once-built globals (in the suite and in the `ivrmedia` it runs).
ASAN_FLAGS := --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
test-asan: deps-test talkoff-subset
	$(SWIFT) build --build-tests --scratch-path .build-asan $(ASAN_FLAGS)
	LSAN_OPTIONS=suppressions=$(CURDIR)/Fuzz/lsan.supp $(SWIFT) test --skip-build --scratch-path .build-asan \
		$(ASAN_FLAGS) --disable-xctest

# Left out under the thread sanitizer, and run by `make test` as they are: the suites paced by a JACK
# server (libjack's threads are not instrumented, and the one it cancels when a client closes ends inside
# a sanitizer interceptor, which the sanitizer reports as a fatal error), and the run under a file-size
# limit (the sanitizer's own runtime faults under one). The live engine's threads, rings, control channel
# and reloads are all in the suites that stay.
TSAN_SKIP := --skip JACKPacedTests --skip LiveEnginePacedTests --skip RunPacedTests \
	--skip aFileSizeLimitMidRunIsSaidOnceAndTheRunGoesOnToItsEnd
test-tsan: deps-test talkoff-subset
	$(SWIFT) build --build-tests --scratch-path .build-tsan --sanitize=thread
	$(SWIFT) test --skip-build --scratch-path .build-tsan --sanitize=thread --disable-xctest $(TSAN_SKIP) \
		$(if $(TSAN_FILTER),--filter '$(TSAN_FILTER)')

FUZZ_SECONDS ?= 60
fuzz: deps-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

bench: deps-bench talkoff-corpus
	cd Bench && $(SWIFT) package benchmark
	cd Bench && $(SWIFT) package benchmark thresholds check
	cd Bench && $(SWIFT) run -c release dtmf-compare
	cd Bench && $(SWIFT) run -c release simulate-speed
	cd Bench && $(SWIFT) run -c release e1-bench

SOAK_CALLS ?= 100000
SOAK_HOURS ?= 24
soak: deps-bench
	cd Bench && $(SWIFT) run -c release soak --calls $(SOAK_CALLS) --hours $(SOAK_HOURS)

# The talk-off corpus (Bench/Scripts/talkoff-corpus): music and speech from Debian packages, 8 kHz, as
# it is (native) and as a hot telephone line delivers it (hot), in two fixed halves, tune and check.
# `make talkoff-corpus` builds all of it (about 24 hours) in $(TALKOFF_DIR); `make talkoff-subset`
# builds the fixed part of the check half listed in Bench/Scripts/talkoff-subset.txt (about 2 hours,
# from small packages) in .build/talkoff-subset. FORCE=1 builds files again; JOBS=N runs N at a time.
TALKOFF_DIR ?= Bench/.corpus/talkoff
TALKOFF_SUBSET_DIR := .build/talkoff-subset
TALKOFF_TOOLS := python3 sox libsox-fmt-base festival festvox-kdlpc16k
TALKOFF_PACKAGES := $(TALKOFF_TOOLS) opus-tools supertux-data supertuxkart-data hedgewars-data \
	warzone2100-music megaglest-data extremetuxracer-data xmoto-data frozen-bubble-data lincity-ng-data \
	asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav
TALKOFF_SUBSET_PACKAGES := $(TALKOFF_TOOLS) asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav \
	frozen-bubble-data xmoto-data extremetuxracer-data lincity-ng-data

.PHONY: talkoff-corpus talkoff-subset

talkoff-corpus:
	$(call install_missing,$(TALKOFF_PACKAGES))
	Bench/Scripts/talkoff-corpus $(TALKOFF_DIR)

talkoff-subset:
	$(call install_missing,$(TALKOFF_SUBSET_PACKAGES))
	Bench/Scripts/talkoff-corpus --subset Bench/Scripts/talkoff-subset.txt $(TALKOFF_SUBSET_DIR)

clean:
	rm -rf .build Bench/.build
