#!/usr/bin/env bash
# Wall-fit and navigation test (run by scripts/browser-test.sh, so part of `make test`): for 1, 3 and 6
# simulated orgs it runs `switchboard demo` and checks the dashboard at 1366×768, 1920×1080 and
# 3840×2160 (Tests/Browser/wall-check.js): every org's status text visible and unclipped, every queue on a
# page whose tiles fit, a sign for every figure a tile drops, no 12-hour times; a screenshot of each. With
# 3 orgs it also clicks org card → org view → queue → agent, goes back with the browser's history, checks
# deep links (also with Tests/Browser/dashboard-check.sh) and the CSV exports behind the buttons, the speech
# strip, the speech-text strip (Tests/Browser/speechtext-checks.js: counts as GET /v1/views/speechtext:global,
# hot calls, the agent panel, transcripts only for the org that pushes them, a regional token), and the journeys
# view (Tests/Browser/journeys-checks.js: contacts as GET /v1/journeys/{id}, the path summary as the topic's totals,
# the search, the 500 ms batching under a storm of deltas, a regional token; docs/screens/journeys.png). The 3- and
# 6-org demos keep history (back-filled): the header, every org card and every queue tile must show their
# trends; the 1-org demo runs with `--store none`: no trend element may show.
# Screenshots go to $BROWSER_TEST_OUT/screens; UPDATE_SCREENSHOT=1 writes them into docs/screens/.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${SWITCHBOARD_BIN:-.build/debug/switchboard}"
OUT="${BROWSER_TEST_OUT:-.build/browser-test}"
SHOTS="$OUT/screens"
[ "${UPDATE_SCREENSHOT:-0}" = "1" ] && SHOTS="docs/screens"
mkdir -p "$OUT" "$SHOTS"
command -v node >/dev/null 2>&1 || { echo "browser-layout-test: FAIL node is not installed (make test installs nodejs)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "browser-layout-test: FAIL $BIN not built (run swift build)" >&2; exit 1; }

TAG=browser-layout-test
. scripts/demo-process.sh
trap demo_stop EXIT
start_demo() { # start_demo ORGS AGENTS QUEUES [DEMO OPTION…]
    demo_start "$OUT/layout-demo-$1.log" --orgs "$1" --agents "$2" --queues "$3" --speed 20 --heartbeat 2 \
        --start-at 04:00 "${@:4}"
}

# One org with many queues (pages), three orgs (navigation), six orgs (narrow cards, many pages).
for spec in "1 80 30" "3 80 12" "6 60 8"; do
    read -r orgs agents queues <<<"$spec"
    trends=on store=()
    [ "$orgs" = 1 ] && trends=off store=(--store none)
    start_demo "$orgs" "$agents" "$queues" "${store[@]+"${store[@]}"}"
    echo "browser-layout-test: $orgs org(s) × $queues queues at $bridge (trends $trends)"
    nav=()
    [ "$orgs" = 3 ] && nav=(--nav --speech --speechtext --journeys)
    node Tests/Browser/wall-check.js --base "$bridge" --token demo-global --shots "$SHOTS" --tag "${orgs}orgs" \
        --timeout 60 --trends "$trends" "${nav[@]+"${nav[@]}"}"
    if [ "$orgs" = 3 ]; then
        # Deep links read from the address alone (a fresh browser, --dump-dom): the org view, and the queue
        # view with an agent panel on top, for a queue that has agents.
        snap="$(curl -fsS -H 'Authorization: Bearer demo-global' "$bridge/v1/views/global")"
        pick="$(node -e '
            const b = JSON.parse(require("fs").readFileSync(0, "utf8")); const d = b.data && b.data.orgs ? b.data : b;
            const a = (d.agents || []).find(x => x.org === "emea" && (x.queues || []).length);
            if (a) console.log(a.queues[0] + " " + a.id);' <<<"$snap")"
        [ -n "$pick" ] || { echo "browser-layout-test: FAIL no EMEA agent lists a queue (agent entity \"queues\")" >&2; exit 1; }
        read -r qid aid <<<"$pick"
        bash Tests/Browser/dashboard-check.sh --timeout 30 --orgs emea --exact --expect-view org --expect-fit \
            --query 'view=org:emea' "$bridge" demo-global
        bash Tests/Browser/dashboard-check.sh --timeout 30 --orgs emea --exact --expect-view queue \
            --expect-queue-view "$qid" --expect-agent "$aid" --query "view=queue:$qid&agent=$aid" "$bridge" demo-global
    fi
    demo_stop
done
echo "browser-layout-test: PASS (screenshots in $SHOTS)"
