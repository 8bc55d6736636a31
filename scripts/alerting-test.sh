#!/usr/bin/env bash
# Alerting checks, run by `make test` (docs/deploy.md, "Alerting" and "Grafana"):
#
#  1. `promtool check rules` and `promtool test rules` on deploy/prometheus/ (the unit tests: series in, alerts out);
#  2. the unit tests can fail: each alert's expression in turn is replaced by one that never fires, and
#     `promtool test rules` must then fail;
#  3. a `switchboard demo` is started, and every metric name the alert rules and the Grafana board
#     (deploy/grafana/switchboard.json) use must be one it exports on /metrics; every board expression
#     must parse (`promtool check rules` on them as recording rules);
#  4. end to end: a real Prometheus server scrapes the demo (bearer token demo-metrics) with the rules file, in a
#     copy whose `for:` durations are shortened to 2 s (the only change; thresholds are the file's: the stale rule
#     compares with each org's exported heartbeat timeout, which the demo sets short); a `ghost` fault on org us, with
#     its next 40 API calls failing so the connector cannot replace the socket at once
#     (the simulator's POST /_sim/faults) must make SwitchboardOrgStale go pending, then firing, then resolve once
#     the connector has reconnected. Every board expression must also evaluate on that server.
#
# ALERTING_BREAK_STALE_RULE=1 runs step 4 with the stale rule's threshold made unreachable: the script must fail
# (a check that the end-to-end test can fail). Needs promtool and prometheus (Debian `prometheus`), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
BUILD_FLAGS=${BUILD_FLAGS:-}
RULES=deploy/prometheus/switchboard-rules.yml
TESTS=deploy/prometheus/switchboard-rules.test.yml
BOARD=deploy/grafana/switchboard.json
BREAK=${ALERTING_BREAK_STALE_RULE:-0}
ORG=us

say() { echo "==> alerting: $*"; }
fail() { echo "alerting-test: FAIL: $*" >&2; exit 1; }
for tool in promtool prometheus curl python3; do
    command -v "$tool" >/dev/null || fail "$tool is missing (make test-deps installs Debian's prometheus package)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-alerting.XXXXXX")
pids=()
cleanup() {
    local rc=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$rc" -ne 0 ]; then
        for f in demo.out demo.err prometheus.log; do
            [ -s "$work/$f" ] && { echo "--- last lines of $f:"; tail -n 25 "$work/$f"; }
        done
    fi
    [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $work" || rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Syntax and unit tests.
say "promtool check rules $RULES"
promtool check rules "$RULES"
say "promtool test rules $TESTS"
promtool test rules "$TESTS"

# 2. The unit tests can fail: break each alert in turn (its expression replaced by one that never fires) and run the
# cases that name it against that copy; every such run must fail.
say "each alert broken in turn must fail its unit tests"
python3 - "$RULES" "$TESTS" "$work/mutants" <<'EOF'
import os, re, sys
rules_path, tests_path, out = sys.argv[1:]
rules, tests = open(rules_path).read(), open(tests_path).read()
head, *cases = re.split(r"\n(?=  # )", tests)
for alert in re.findall(r"^ *- alert: *(\w+)", rules, re.M):
    start = rules.index(f"- alert: {alert}\n")
    ends = [i for i in (rules.find("\n      - alert:", start + 1), rules.find("\n  - name:", start + 1)) if i > 0]
    end = min(ends or [len(rules)])
    block = rules[start:end]
    broken = re.sub(r"expr: (\|\n(?: {10,}.*\n)+|.*\n)", "expr: vector(0) > 1\n", block, count=1)
    assert broken != block, alert
    mine = [c for c in cases if f"alertname: {alert}\n" in c]
    assert mine, f"no unit test names {alert}"
    os.makedirs(f"{out}/{alert}")
    open(f"{out}/{alert}/switchboard-rules.yml", "w").write(rules[:start] + broken + rules[end:])
    open(f"{out}/{alert}/tests.yml", "w").write("\n".join([head] + mine) + "\n")
EOF
promtool test rules "$work"/mutants/*/tests.yml >"$work/mutants.out" 2>&1 || true
survivors=$(awk '/^Unit Testing:/ { f = $3 } /^  SUCCESS/ { print f }' "$work/mutants.out")
[ -z "$survivors" ] || fail "the unit tests still pass with these alerts broken: $survivors"
n=$(ls "$work/mutants" | wc -l)
[ "$(grep -c '^  FAILED' "$work/mutants.out")" -eq "$n" ] || { cat "$work/mutants.out"; fail "not every broken alert failed"; }
echo "    $n alerts, each caught when broken"

# 3. A demo; the expressions of the rules and the board.
bin="$($SWIFT build $BUILD_FLAGS --show-bin-path)/switchboard"
[ -x "$bin" ] || fail "$bin not built (run swift build first)"
# Heartbeats every 10 s (the demo's default is 5): the bridge's watchdog then allows 25 s of silence, so the stale
# threshold (half of it) is crossed for long enough to see on 5-second refreshes of the silence gauge.
say "starting switchboard demo"
"$bin" demo --listen 127.0.0.1:0 --simulator-listen 127.0.0.1:0 --agents 12 --backfill-days 0 --heartbeat 10 \
    --log-level warning >"$work/demo.out" 2>"$work/demo.err" &
pids+=($!)
bridge="" sim=""
for _ in $(seq 1 240); do
    bridge=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/demo.out" | head -1)
    sim=$(sed -n 's/^simulator on \(http:[^ ]*\).*/\1/p' "$work/demo.out" | head -1)
    [ -n "$bridge" ] && [ -n "$sim" ] && break
    kill -0 "${pids[0]}" 2>/dev/null || fail "the demo exited"
    sleep 0.5
done
[ -n "$bridge" ] && [ -n "$sim" ] || fail "the demo did not print its addresses within 120 s"
echo "    bridge $bridge, simulator $sim"
metrics() { curl -fsS -H "Authorization: Bearer demo-metrics" "$bridge/metrics"; }
# Some series appear only once something happens: make an AudioHook refusal (an upgrade without a signature) and an
# EventBridge refusal (no key) now; the names are read at the end, after the demo has run for a while.
for _ in $(seq 1 120); do
    [ "$(metrics | grep -c '^switchboard_connector_state{.*state="open"} 1')" -ge 3 ] && break
    sleep 1
done
curl -s -o /dev/null -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
    -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" "$bridge/audiohook/v1" || true
curl -s -o /dev/null -X POST -H "Content-Type: application/json" -d '{}' "$bridge/v1/ingest/eventbridge/$ORG" || true

# Every expression of the rules and the board, and the board's as recording rules (with $org and
# $__rate_interval substituted) for promtool.
python3 - "$RULES" "$BOARD" "$work/board-rules.yml" "$work/board-exprs.txt" "$work/all-exprs.json" <<'EOF'
import json, re, sys
rules_path, board_path, board_rules, board_exprs, all_exprs = sys.argv[1:]
rule_exprs = [(m.group(2) or m.group(3)).strip()
              for m in re.finditer(r"^ +expr: (\|\n((?: {10,}.*\n)+)|(.*)\n)", open(rules_path).read(), re.M)]
board = json.load(open(board_path))
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("expr"), str): yield o["expr"]
        for v in o.values(): yield from walk(v)
    elif isinstance(o, list):
        for v in o: yield from walk(v)
board_list = list(walk(board))
assert board["__inputs"][0]["name"] == "DS_PROMETHEUS", "the board's datasource input"
assert any(v["name"] == "org" for v in board["templating"]["list"]), "the board's org variable"
assert all(p.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}" for p in board["panels"] if p["type"] != "row")
sub = lambda e: e.replace("$__rate_interval", "1m").replace('"$org"', '".*"')
with open(board_rules, "w") as f:
    f.write("groups:\n  - name: grafana-board-expressions\n    rules:\n")
    for i, e in enumerate(board_list):
        f.write(f"      - record: board:expr:{i}\n        expr: {json.dumps(sub(e))}\n")
with open(board_exprs, "w") as f:
    for e in board_list: f.write(sub(e).replace("\n", " ") + "\n")
json.dump({"rules": rule_exprs, "board": board_list}, open(all_exprs, "w"))
print(f"    {len(rule_exprs)} rule and {len(board_list)} board expressions")
EOF
say "promtool check rules on the board's expressions"
promtool check rules "$work/board-rules.yml" >/dev/null || { promtool check rules "$work/board-rules.yml"; fail "a board expression does not parse"; }

# 4. End to end with a real Prometheus.
say "starting prometheus"
mkdir -p "$work/prometheus/data"
sed -E 's/^( +for: ).*/\12s/' "$RULES" >"$work/prometheus/rules.yml"
if [ "$BREAK" = 1 ]; then
    say "ALERTING_BREAK_STALE_RULE=1: the stale rule's threshold made unreachable; this run must fail"
    grep -q '> on (org) 0.5 \*' "$work/prometheus/rules.yml" || fail "the stale rule's threshold was not found"
    sed -i 's/> on (org) 0.5 \*/> on (org) 50 */' "$work/prometheus/rules.yml"
fi
target=${bridge#http://}
cat >"$work/prometheus/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: switchboard
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials: demo-metrics
    static_configs:
      - targets: ['$target']
EOF
promtool check config "$work/prometheus/prometheus.yml" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
prom="http://127.0.0.1:$port"
prometheus --config.file="$work/prometheus/prometheus.yml" --storage.tsdb.path="$work/prometheus/data" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)
query() { curl -fsS --data-urlencode "query=$1" "$prom/api/v1/query"; }
value() {  # first sample's value of an instant query, or empty
    query "$1" 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null || true
}
ready=""
for _ in $(seq 1 60); do
    [ "$(value "up{job=\"switchboard\"}")" = 1 ] && [ -n "$(value "switchboard_org_staleness_seconds{org=\"$ORG\"}")" ] \
        && [ "$(value "switchboard_connector_state{org=\"$ORG\",state=\"open\"}")" = 1 ] && { ready=1; break; }
    kill -0 "${pids[1]}" 2>/dev/null || fail "prometheus exited"
    sleep 1
done
[ -n "$ready" ] || fail "prometheus did not scrape the demo with $ORG open within 60 s"
echo "    prometheus on $prom scrapes $bridge; $ORG open; heartbeat timeout $(value "switchboard_connector_heartbeat_timeout_seconds{org=\"$ORG\"}") s"

say "every board expression evaluates on the server"
while IFS= read -r e; do
    query "$e" >/dev/null || fail "the server refused the board expression: $e"
done <"$work/board-exprs.txt"

# The alert's state for the org: inactive, pending or firing.
alert_state() {
    curl -fsS "$prom/api/v1/alerts" 2>/dev/null | python3 -c '
import json, sys
org = sys.argv[1]
alerts = json.load(sys.stdin)["data"]["alerts"]
s = [a["state"] for a in alerts if a["labels"].get("alertname") == "SwitchboardOrgStale" and a["labels"].get("org") == org]
print("firing" if "firing" in s else "pending" if "pending" in s else "inactive")' "$ORG" || echo unknown
}
for _ in $(seq 1 30); do [ "$(alert_state)" = inactive ] && break; sleep 1; done
[ "$(alert_state)" = inactive ] || fail "SwitchboardOrgStale is already active for $ORG before any fault"

# A ghost alone is repaired within seconds now (the watchdog's ping probe finds it and the connector reconnects at
# once, docs/connector.md), too soon for the alert — as it should be. So the ghost comes with the next 40 API calls
# failing (503): the replacement channel cannot be made until they are spent, and the org stays silent and not
# open for tens of seconds, like an org whose platform region is down; then it recovers and the alert resolves.
say "injecting a ghost fault and 40 failing API calls on $ORG ($sim/_sim/faults)"
curl -fsS -X POST -H "Content-Type: application/json" -d "{\"org\":\"$ORG\",\"kind\":\"http-error\",\"count\":40}" "$sim/_sim/faults" >/dev/null
curl -fsS -X POST -H "Content-Type: application/json" -d "{\"org\":\"$ORG\",\"kind\":\"ghost\"}" "$sim/_sim/faults" >/dev/null
start=$(date +%s)
seen_pending="" seen_firing="" last=""
while [ $(( $(date +%s) - start )) -lt 90 ]; do
    s=$(alert_state)
    if [ "$s" != "$last" ]; then
        echo "    +$(( $(date +%s) - start )) s: SwitchboardOrgStale{org=\"$ORG\"} $s (silence $(value "switchboard_org_staleness_seconds{org=\"$ORG\"}") s)"
        last=$s
    fi
    [ "$s" = pending ] && seen_pending=1
    if [ "$s" = firing ]; then seen_firing=1; break; fi
    sleep 0.5
done
[ -n "$seen_pending" ] || fail "SwitchboardOrgStale never went pending for $ORG within 90 s of the ghost fault"
[ -n "$seen_firing" ] || fail "SwitchboardOrgStale went pending but never fired for $ORG"
while [ $(( $(date +%s) - start )) -lt 240 ]; do
    s=$(alert_state)
    if [ "$s" != "$last" ]; then
        echo "    +$(( $(date +%s) - start )) s: SwitchboardOrgStale{org=\"$ORG\"} $s (silence $(value "switchboard_org_staleness_seconds{org=\"$ORG\"}") s, connector open: $(value "switchboard_connector_state{org=\"$ORG\",state=\"open\"}"))"
        last=$s
    fi
    [ "$s" = inactive ] && break
    sleep 0.5
done
[ "$last" = inactive ] || fail "SwitchboardOrgStale did not resolve for $ORG within 240 s of the fault (the connector backs off up to 60 s between attempts while the API calls fail)"
# 5. Every metric name the rules and the board use is one the bridge exports: seen on the demo's /metrics now or by
# Prometheus during the run. A few series exist only once something happens that the demo does not do (on-box
# spotting is off in the demo; no stream client is connected here; journey anomalies, seed audio connect failures
# may not occur): those are listed here, and each must be declared in Sources/ (a literal, or the HubMetrics /
# MetricNameDescriptor parts), so a misspelt name still fails.
say "every metric name used is exported"
metrics >"$work/metrics.txt" || fail "GET /metrics with the demo-metrics token failed"
curl -fsS "$prom/api/v1/label/__name__/values" >"$work/names.json" || fail "could not list Prometheus' metric names"
python3 - "$work/metrics.txt" "$work/names.json" "$work/all-exprs.json" <<'EOF'
import json, re, subprocess, sys
metrics_path, names_path, exprs_path = sys.argv[1:]
exported = set(json.load(open(names_path))["data"])
for line in open(metrics_path):
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split()[:4]
        exported.add(name)
        if kind in ("histogram", "summary"): exported |= {name + "_bucket", name + "_sum", name + "_count"}
    elif line.strip() and not line.startswith("#"):
        exported.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
lazy = {
    "switchboard_kws_errors_total", "switchboard_kws_interactions_total", "switchboard_kws_busy_seconds_total",
    "switchboard_kws_audio_processed_seconds_total", "switchboard_kws_queued_audio_seconds",
    "switchboard_hub_messages_out_total", "switchboard_hub_subscriptions",
    "switchboard_seed_audio_connect_failures_total", "switchboard_journey_duplicates_total",
    "switchboard_journey_late_events_total", "switchboard_journey_evictions_total",
    "switchboard_audiohook_sessions_ended_total", "switchboard_transcript_events_total",
}
src = subprocess.run(["grep", "-rhoE", r'"switchboard_[a-z0-9_]+"|name\("[a-z_]+", "[a-z_]+", "[a-z_]*"'
                      r'|subsystem: "[a-z_]+", metricName: "[a-z_]+",\s*$|unitName: "[a-z_]*"', "Sources"],
                     capture_output=True, text=True).stdout
declared = set()
for m in re.finditer(r'"(switchboard_[a-z0-9_]+)"', src): declared.add(m.group(1))
for m in re.finditer(r'name\("([a-z_]+)", "([a-z_]+)", "([a-z_]*)"', src):
    declared.add("_".join(x for x in ("switchboard",) + m.groups() if x))
# MetricNameDescriptor(namespace: "switchboard", subsystem: …, metricName: …, (next line) unitName: …)
parts = re.findall(r'subsystem: "([a-z_]+)", metricName: "([a-z_]+)",\s*\nunitName: "([a-z_]*)"', src)
for p in parts: declared.add("_".join(x for x in ("switchboard",) + p if x))
def names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    found = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", expr))
    functions = {"sum", "max", "min", "avg", "count", "rate", "increase", "irate", "histogram_quantile", "and", "or",
                 "unless", "vector", "bool", "offset", "max_over_time", "min_over_time", "avg_over_time", "abs"}
    return {n for n in found if n not in functions}
exprs = json.load(open(exprs_path))
problems, used = [], set()
for where, lst in exprs.items():
    for e in lst:
        for n in names(e):
            used.add(n)
            if n == "up" or n in exported: continue
            if n in lazy and n in declared: continue
            problems.append(f"{where}: {n} is not exported by the demo"
                            + (" and not declared in Sources/" if n in lazy else "") + f" (in: {' '.join(e.split())})")
for n in sorted(lazy - declared): problems.append(f"listed as created on first use but not declared in Sources/: {n}")
if problems:
    print("\n".join(problems)); sys.exit(1)
seen_lazy = sorted(n for n in used & lazy if n not in exported)
print(f"    {len(used)} names used, all exported ({len(exported)} seen on the demo and by Prometheus)"
      + (f"; not seen in this run, declared in Sources/: {', '.join(seen_lazy)}" if seen_lazy else ""))
EOF
say "OK: rules, unit tests, metric names, board expressions, and the stale alert end to end (pending, firing, resolved)"
