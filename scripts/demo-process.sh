# Sourced by scripts/browser-test.sh and scripts/browser-layout-test.sh: one `switchboard demo` at a time.
# Needs BIN (the switchboard binary) and TAG (the script's name, for messages). Sets demo (its pid), bridge and sim
# (its addresses) and demo_log.
demo="" bridge="" sim="" demo_log=""

# demo_start LOG [DEMO OPTION…]: starts a demo on free loopback ports and waits (60 s) until it prints both addresses.
demo_start() {
    demo_log="$1"
    shift
    "$BIN" demo --listen 127.0.0.1:0 --log-level warning "$@" >"$demo_log" 2>&1 &
    demo=$!
    bridge="" sim=""
    for _ in $(seq 1 120); do
        bridge=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$demo_log" | head -1)
        sim=$(sed -n 's/^simulator on \(http:[^ ]*\)$/\1/p' "$demo_log" | head -1)
        [ -n "$bridge" ] && [ -n "$sim" ] && return 0
        kill -0 "$demo" 2>/dev/null || { echo "$TAG: FAIL demo exited early:" >&2; cat "$demo_log" >&2; exit 1; }
        sleep 0.5
    done
    echo "$TAG: FAIL demo did not print its addresses within 60 s" >&2
    cat "$demo_log" >&2
    exit 1
}

# demo_stop: SIGTERM, then SIGKILL after 20 s (a slow graceful shutdown is reported, it does not hold up the run).
demo_stop() {
    [ -n "$demo" ] || return 0
    kill "$demo" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$demo" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$demo" 2>/dev/null; then
        echo "$TAG: warning: demo $demo still running 20 s after SIGTERM (see $demo_log); killed" >&2
        kill -9 "$demo" 2>/dev/null || true
    fi
    wait "$demo" 2>/dev/null || true
    demo=""
}
