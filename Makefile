# ivrmedia: the README's commands. Each target installs what it needs (Debian 12 with Swift).
#   make demo   build, make a demo call recording with `ivrmedia generate`, find its keys with `ivrmedia detect`,
#               then play it through Example A with `ivrmedia check` and `ivrmedia simulate`
#   make test   install the libraries and test material, build, and run every test
#   make bench  run the benchmarks in Bench/ (release builds) and the comparison with SpanDSP

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build: the three C libraries of the package.
BUILD_PACKAGES := pkg-config libsndfile1-dev libopus-dev libasound2-dev
# Tests: the talk-off and speech corpus (Debian's Asterisk prompts and music on hold); a JACK server
# (dummy backend) and alsa-lib's jack plugin, which pace the AudioIO tests in real time with no sound card.
TEST_PACKAGES := $(BUILD_PACKAGES) asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav \
	asterisk-moh-opsound-wav jackd2 libasound2-plugins
# Bench: SpanDSP, the peer the DTMF receiver is measured against.
BENCH_PACKAGES := $(BUILD_PACKAGES) libspandsp-dev asterisk-core-sounds-en-wav asterisk-core-sounds-ru-wav \
	asterisk-moh-opsound-wav

DEMO_DIR := .build/demo

.PHONY: demo test bench build deps-build deps-test deps-bench clean

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

test: deps-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

bench: deps-bench
	cd Bench && $(SWIFT) package benchmark
	cd Bench && $(SWIFT) package benchmark thresholds check
	cd Bench && $(SWIFT) run -c release dtmf-compare
	cd Bench && $(SWIFT) run -c release simulate-speed
	cd Bench && $(SWIFT) run -c release e1-bench

clean:
	rm -rf .build Bench/.build
