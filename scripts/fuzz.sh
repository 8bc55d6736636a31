#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Sources/Fuzz*) and runs each for a while (docs/security.md#fuzzing).
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [--seed S] [--sanitizers LIST] [--release] [--no-build] [target…]
#
# Targets default to every directory under Fuzz/Sources named Fuzz* (except FuzzDriver); a name may be
# given with or without the Fuzz prefix. Each target starts from a temporary copy of its seed corpus
# (Fuzz/Corpus/<target>), so runs never grow the repository. The script prints the executions of every
# target (libFuzzer's final stats) and fails when any target finds a crash, a leak, a timeout or an
# out-of-memory input; the input is kept under $FUZZ_ARTIFACTS (default .build-fuzz/artifacts) and the
# line to replay it is printed.
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_SANITIZERS (default fuzzer,address), FUZZ_CONFIG (debug or
# release; default debug), FUZZ_TIMEOUT (seconds one input may take; default 10), FUZZ_RSS_MB (default 2048),
# FUZZ_PROGRESS_SECONDS (how often a running target's progress is printed; default 300), FUZZ_LOGS (a directory
# where each target's full libFuzzer log is kept as <target>.log; default: none, the logs go with the work
# directory), FUZZ_RUNS (stop each
# target after this many inputs; default: no limit), FUZZ_SEED (libFuzzer's -seed, with
# Swift's hashing made deterministic too: a run with a seed and FUZZ_RUNS does the same amount of work on every
# machine and starts from the same choices — not bit-identical, see docs/security.md; default: random).
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer,address}
CONFIG=${FUZZ_CONFIG:-debug}
RUNS=${FUZZ_RUNS:-}
SEED=${FUZZ_SEED:-}
TIMEOUT=${FUZZ_TIMEOUT:-10}
PROGRESS_SECONDS=${FUZZ_PROGRESS_SECONDS:-300}
RSS_MB=${FUZZ_RSS_MB:-2048}
LOGS=${FUZZ_LOGS:-}
ARTIFACTS=${FUZZ_ARTIFACTS:-$PWD/.build-fuzz/artifacts}
BUILD=1
targets=()
while (($#)); do
  case "$1" in
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    --seconds=*) SECONDS_PER_TARGET=${1#*=}; shift ;;
    --sanitizers) SANITIZERS=$2; shift 2 ;;
    --sanitizers=*) SANITIZERS=${1#*=}; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --seed) SEED=$2; shift 2 ;;
    --seed=*) SEED=${1#*=}; shift ;;
    --release) CONFIG=release; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) t=$1; [[ $t == Fuzz* ]] || t="Fuzz$t"; targets+=("$t"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  for d in Fuzz/Sources/Fuzz*/; do
    t=$(basename "$d")
    [[ $t == FuzzDriver ]] || targets+=("$t")
  done
fi
for t in "${targets[@]}"; do
  [[ -d Fuzz/Sources/$t ]] || { echo "fuzz: no target $t (Fuzz/Sources/$t)" >&2; exit 2; }
done

# A separate scratch path: the sanitized build never touches .build.
flags=(--scratch-path .build-fuzz -c "$CONFIG" -Xswiftc "-sanitize=$SANITIZERS")
# Release builds keep @testable imports working (the harnesses reach internal parsers).
[[ $CONFIG == release ]] && flags+=(-Xswiftc -enable-testing)
bin=".build-fuzz/$CONFIG"
if ((BUILD)); then
  start=$(date +%s)
  for t in "${targets[@]}"; do
    echo "fuzz: building $t ($CONFIG, -sanitize=$SANITIZERS)"
    if ! SWITCHBOARD_FUZZ=1 $SWIFT build "${flags[@]}" --product "$t" 2>&1 | grep -v "Cannot export local symbol" | tail -5; then
      echo "fuzz: build of $t failed" >&2; exit 1
    fi
    [[ -x $bin/$t ]] || { echo "fuzz: build of $t failed (no $bin/$t)" >&2; exit 1; }
  done
  echo "fuzz: build took $(( $(date +%s) - start )) s"
fi

mkdir -p "$ARTIFACTS"
# Swift's own crash backtracer reads the stack in a way AddressSanitizer reports as a second error; the
# fuzzer's report is the one that counts.
export SWIFT_BACKTRACE=enable=no
limits=(-max_total_time="$SECONDS_PER_TARGET")
[[ -n $RUNS ]] && limits+=(-runs="$RUNS")
if [[ -n $SEED ]]; then
  limits+=(-seed="$SEED")
  # Swift seeds its hashing per process; a fixed seed is only reproducible with it fixed too.
  export SWIFT_DETERMINISTIC_HASHING=1
fi
work=$(mktemp -d /tmp/switchboard-fuzz.XXXXXX)
pid=
trap 'rm -rf "$work"' EXIT
# The fuzzer runs in the background (for the progress lines), where a script's job ignores Ctrl-C: stop it with us.
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; exit 130' INT TERM
failed=()
printf '%-24s %12s %10s %8s %s\n' target executions execs/s corpus result > "$work/summary"
for t in "${targets[@]}"; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  [[ -d Fuzz/Corpus/$t ]] && cp Fuzz/Corpus/$t/* "$corpus/" 2>/dev/null
  log="$work/$t.log"
  echo "fuzz: running $t for ${SECONDS_PER_TARGET} s${RUNS:+ or $RUNS inputs}${SEED:+ (seed $SEED)}"
  "$bin/$t" "$corpus" "${limits[@]}" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$t-" -close_fd_mask=1 > "$log" 2>&1 &
  pid=$!
  # Progress for long runs: every PROGRESS_SECONDS, libFuzzer's latest status line (inputs so far, rate, corpus).
  waited=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    if ((waited % PROGRESS_SECONDS == 0)); then
      line=$(grep -E '^#[0-9]+' "$log" | tail -1)
      [[ -n $line ]] && echo "fuzz: $t after ${waited} s: $(sed -E 's/^#([0-9]+).*exec\/s: ([0-9]+).*/\1 inputs, \2\/s/' <<< "$line")"
    fi
  done
  wait "$pid"
  rc=$?
  [[ -n $LOGS ]] && mkdir -p "$LOGS" && cp "$log" "$LOGS/$t.log"
  execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -1)
  rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -1)
  units=$(ls "$corpus" | wc -l)
  if ((rc == 0)); then
    result=ok
  else
    result="FAILED (exit $rc)"
    failed+=("$t")
    echo "fuzz: $t failed; the end of its log:"
    grep -v '^ *#[0-9]' "$log" | tail -40
    crash=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    [[ -n $crash ]] && echo "fuzz: the input is $crash; replay: $bin/$t $crash"
  fi
  printf '%-24s %12s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$units" "$result" >> "$work/summary"
done
echo
cat "$work/summary"
if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
