#!/usr/bin/env bash
# Runs the Swift test suite (built already) with a stall watchdog.
#
# A rare stall is known (DEVELOPERS.md, "Known issues"): the test process goes idle with a test started and
# never finishing, no thread blocked. When the run prints nothing for STALL_SECONDS, this script says which
# test was running, dumps every thread's stack (gdb, when installed) for the record, stops the run and starts
# it once more. A second stall, or any failing test, fails the script. Nothing here hides a failing test.
set -uo pipefail
SWIFT=${SWIFT:-swift}
STALL_SECONDS=${STALL_SECONDS:-240}
BUILD_FLAGS=${BUILD_FLAGS:-}
log=$(mktemp /tmp/switchboard-tests.XXXXXX.log)
trap 'rm -f "$log"' EXIT

run_once() {
  : > "$log"
  # Line-buffered so the watchdog sees progress as it happens.
  stdbuf -oL -eL $SWIFT test --skip-build --no-parallel $BUILD_FLAGS > >(tee -a "$log") 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    local age=$(( $(date +%s) - $(stat -c %Y "$log") ))
    if (( age >= STALL_SECONDS )); then
      echo "run-tests: no output for ${age} s; last test started: $(grep -E '^◇ Test .* started' "$log" | tail -1)"
      local xc
      xc=$(pgrep -f 'PackageTests.xctest' | head -1 || true)
      if [[ -n "$xc" ]] && command -v gdb >/dev/null; then
        echo "run-tests: thread stacks of $xc:"
        timeout 60 gdb -p "$xc" -batch -ex 'thread apply all bt 20' 2>/dev/null | grep -E '^Thread|^#' | head -200 || true
      fi
      pkill -f 'PackageTests.xctest' || true
      # Children the tests started (switchboard run / demo) would outlive it.
      pkill -f '/switchboard (run|demo|simulate|store) ' || true
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null
      return 2
    fi
  done
  wait "$pid"
}

run_once
status=$?
if (( status == 2 )); then
  echo "run-tests: the run stalled (a known issue, DEVELOPERS.md); running the suite once more"
  run_once
  status=$?
  (( status == 2 )) && echo "run-tests: stalled again; failing"
fi
# CI shows only the end of the output: name every failing test and its recorded issues there.
if (( status != 0 )); then
  echo "run-tests: failing tests and their issues (from the output above):"
  grep -E '^✘ Test |: error: ' "$log" | grep -v '^✘ Test run with' | head -80 || true
fi
exit $status
