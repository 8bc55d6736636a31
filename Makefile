# Switchboard — two commands: `make demo` and `make test`.
# Both install missing system packages first (Debian; apt-get only for what dpkg says is absent).

SWIFT        ?= swift
BUILD_FLAGS  ?=
# Build packages: libopus for the audio layer, SQLite and zlib headers for the embedded store, PocketSphinx
# (library and its US English model) for on-box keyword spotting.
BUILD_DEPS   := pkg-config libopus-dev libsqlite3-dev zlib1g-dev libpocketsphinx-dev pocketsphinx-en-us
# Speech synthesis and audio conversion: the keyword-spotting tests and the bench's spotting corpus speak
# their phrases with espeak-ng and band-limit them to telephone quality with sox.
SPEECH_DEPS  := espeak-ng sox
# Test packages: headless Chromium and node (its DevTools-protocol driver) for the dashboard browser tests.
# Alerting: Debian's prometheus package gives promtool (checks and unit-tests the alert rules) and the server the
# end-to-end alert test scrapes a demo with; curl and python3 drive it (scripts/alerting-test.sh).
ALERT_DEPS   := prometheus curl python3
# Scale-out: the PostgreSQL store's tests start their own throw-away server (initdb + pg_ctl from the postgresql
# package, in a temporary directory, as the postgres user when run as root); nothing else of it is used.
POSTGRES_DEPS := postgresql
TEST_DEPS    := chromium nodejs $(SPEECH_DEPS) $(ALERT_DEPS) $(POSTGRES_DEPS)
# Bench packages: the relay scenario's baseline is a Node.js relay on Debian's ws package (bench/relay/relay.js);
# the cluster scenario starts a throw-away PostgreSQL server, as the scale-out tests do.
BENCH_DEPS   := $(SPEECH_DEPS) nodejs node-ws $(POSTGRES_DEPS)
DEMO_ARGS    ?=
# libFuzzer runs (scripts/fuzz.sh): seconds per target for `make fuzz`, and for the smoke run in `make test`.
FUZZ_SECONDS ?= 300
# The smoke run does the same work everywhere: a fixed seed and a fixed number of inputs per target (at most
# FUZZ_SMOKE_SECONDS each); it keeps the harnesses from rotting and replays every seed input (each crash found
# so far among them). Finding new faults is the long random runs' job: `make fuzz`.
FUZZ_SMOKE_SECONDS ?= 120
FUZZ_SMOKE_RUNS    ?= 50000
FUZZ_SMOKE_SEED    ?= 20261205
# deploy/ checks (scripts/deploy-test.sh): the Kubernetes schema validator, from PyPI into a venv under
# .build-tools/ (python3-venv). The unit file is checked with systemd-analyze where it is installed.
KUBE_VALIDATE_VERSION := 1.37.0
TOOLS_VENV   := .build-tools/venv
KUBE_VALIDATE_STAMP := $(TOOLS_VENV)/.kubernetes-validate-$(KUBE_VALIDATE_VERSION)
# `make image`: the container image (deploy/Containerfile), with podman or docker.
IMAGE        ?= switchboard:$(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/switchboard/SwitchboardCommand.swift)

.PHONY: all build demo test bench fuzz deps test-deps deploy-test deploy-deps image check-config clean help

all: build

help:
	@echo "make demo   build and run the simulator + bridge + dashboard (prints the URL)"
	@echo "make test   build and run every test (what CI runs)"
	@echo "make bench  release build and benchmarks -> bench/results.json"
	@echo "make fuzz   every libFuzzer target for FUZZ_SECONDS (default 300) each (docs/security.md#fuzzing)"
	@echo "make image  container image from deploy/Containerfile (podman or docker; docs/deploy.md)"
	@echo "make deploy-test  only the deploy/ checks (static build, manifests, systemd unit)"

deps:
	@scripts/ensure-system-packages.sh $(BUILD_DEPS)

test-deps: deps
	@scripts/ensure-system-packages.sh $(TEST_DEPS)

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

demo: build
	$(SWIFT) run $(BUILD_FLAGS) switchboard demo $(DEMO_ARGS)

# Tests run one at a time: most of them drive real sockets, a simulator and a bridge on loopback, and on a
# 2-core machine running them all at once starves the ones that wait for heartbeats and reconnects.
test: test-deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	@SWIFT="$(SWIFT)" BUILD_FLAGS="$(BUILD_FLAGS)" scripts/run-tests.sh
	@$(MAKE) --no-print-directory deploy-test
	@scripts/browser-test.sh
	@SWIFT="$(SWIFT)" BUILD_FLAGS="$(BUILD_FLAGS)" scripts/alerting-test.sh
	@FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_RUNS=$(FUZZ_SMOKE_RUNS) FUZZ_SEED=$(FUZZ_SMOKE_SEED) scripts/fuzz.sh

# The deploy/ checks alone: static release build staged as the image, manifests, unit file.
deploy-test: deploy-deps
	@SWIFT="$(SWIFT)" KUBE_VALIDATE="$(TOOLS_VENV)/bin/kubernetes-validate" scripts/deploy-test.sh

deploy-deps: deps $(KUBE_VALIDATE_STAMP)

$(KUBE_VALIDATE_STAMP):
	@scripts/ensure-system-packages.sh python3-venv
	rm -rf $(TOOLS_VENV)
	python3 -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check kubernetes-validate==$(KUBE_VALIDATE_VERSION)
	@touch $@

image:
	@IMAGE="$(IMAGE)" scripts/build-image.sh

bench: deps
	@scripts/ensure-system-packages.sh $(BENCH_DEPS)
	@scripts/bench.sh $(BENCH_ARGS)

fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

check-config: build
	$(SWIFT) run $(BUILD_FLAGS) switchboard check-config orgs.example.yaml

clean:
	rm -rf .build .build-static .build-tools
