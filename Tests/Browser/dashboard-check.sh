#!/usr/bin/env bash
# Headless check of the Switchboard master dashboard.
#
#   Tests/Browser/dashboard-check.sh [options] BASE_URL TOKEN
#
# Loads BASE_URL/?token=TOKEN in headless Chromium (--dump-dom with --virtual-time-budget) and
# asserts on the page's data-* hooks:
#   - one org card (<article class="org" data-org="…">) per expected org,
#   - the heatmap canvas drew cells (data-heatmap-cells > 0),
#   - the page is not in an auth error,
#   - optionally, an org shows a given status (e.g. the ghost fault → emea=stale|disconnected),
#   - optionally, an org shows the red DISCONNECTED alarm (seed 000) on its card and in the header.
#   - optionally, the heatmap drew exactly N tiles for N agents, and an element's text is as given.
# Retries until it passes or --timeout seconds are spent (the stream needs a moment, a ghost
# fault needs the bridge's watchdog). Prints one "dashboard-check: PASS …" or
# "dashboard-check: FAIL …" line; exits 0 on pass, 1 on fail, 2 on usage / missing browser.
#
# Options:
#   --orgs "us emea apac"       org ids that must have a card (default: us emea apac)
#   --exact                     and no other org may have a card (org-scoped tokens: --orgs us --exact)
#   --expect-status ORG=S1|S2   that org's card must have one of these data-status values (repeatable)
#   --expect-red ORG            that org's card is red (data-alarm="red") with the banner "DISCONNECTED —
#                               no heartbeat for …", and the header's red line names it (repeatable)
#   --expect-tiles N            the heatmap has N agents and drew N tiles (one per agent, none left out)
#   --expect-text ID=TEXT       the element with id ID has exactly the text TEXT (repeatable)
#   --screenshot PATH           also write a PNG of the board (after the check)
#   --size W,H                  window size (default 1920,1080)
#   --budget MS                 virtual time budget per load (default 15000: a loaded machine may answer the first snapshot late)
#   --timeout S                 give up after S seconds of retries (default 40)
#   --query 'k=v&…'             extra query string, e.g. 'topic=org:emea'
#   --dom PATH                  keep the last dumped DOM here (default: a temp file, removed)
#   --expect-occupancy          the header's occupancy figures and every org card's "Today" show a percentage
#                               (not "—"): figures are in the first snapshot, not after a refresh
#   --expect-sl                 a queue tile shows a service-level figure against its goal ("SL 84%/80%"), the header a
#                               service level and every org card a service-level line with a percentage
#   --expect-trends             the trends show (docs/dashboard.md, "Trends"): body data-trends="on", the header's and
#                               every org card's trend data-trend="on" with a sparkline point and "yday" / "last wk"
#                               percentages, and a queue tile's sparkline with a point
#   --expect-fit                no org card clips its status (every card data-clipped="0"), every queue tile is
#                               on a page (data-page within #queues data-queue-pages) and the page fits
#                               (data-queue-fit="1")
#   --expect-view V             the page shows view V (body data-view: board, org or queue; see --query)
#   --expect-queue-view ID      the queue view lists queue ID's agents (#queue-view data-queue, data-agents > 0)
#   --expect-agent ID           the agent panel is open on agent ID and found it (#agent-panel data-agent, data-found="1")
set -u

ORGS="us emea apac"
EXPECT=()
RED=()
TEXTS=()
TILES=""
SHOT=""
SIZE="1920,1080"
BUDGET=15000
TIMEOUT=40
EXTRA=""
DOMKEEP=""
EXACT=0
OCC=0
SL=0
TRENDS=0
FIT=0
VIEW=""
QVIEW=""
AGENT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --orgs) ORGS="$2"; shift 2 ;;
    --exact) EXACT=1; shift ;;
    --expect-occupancy) OCC=1; shift ;;
    --expect-sl) SL=1; shift ;;
    --expect-trends) TRENDS=1; shift ;;
    --expect-fit) FIT=1; shift ;;
    --expect-view) VIEW="$2"; shift 2 ;;
    --expect-queue-view) QVIEW="$2"; shift 2 ;;
    --expect-agent) AGENT="$2"; shift 2 ;;
    --expect-status) EXPECT+=("$2"); shift 2 ;;
    --expect-red) RED+=("$2"); shift 2 ;;
    --expect-tiles) TILES="$2"; shift 2 ;;
    --expect-text) TEXTS+=("$2"); shift 2 ;;
    --screenshot) SHOT="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --budget) BUDGET="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --query) EXTRA="$2"; shift 2 ;;
    --dom) DOMKEEP="$2"; shift 2 ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "dashboard-check: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "usage: $0 [options] BASE_URL TOKEN   (see --help)" >&2
  exit 2
fi
BASE="${1%/}"
TOKEN="$2"
URL="$BASE/?token=$TOKEN${EXTRA:+&$EXTRA}"

BROWSER=""
for b in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$b" >/dev/null 2>&1; then BROWSER="$b"; break; fi
done
if [ -z "$BROWSER" ]; then
  echo "dashboard-check: FAIL no chromium found (apt-get install -y chromium)"
  exit 2
fi

PROFILE="$(mktemp -d /tmp/dashcheck-profile.XXXXXX)"
DOM="${DOMKEEP:-$(mktemp /tmp/dashcheck-dom.XXXXXX)}"
cleanup() { rm -rf "$PROFILE"; [ -n "$DOMKEEP" ] || rm -f "$DOM"; }
trap cleanup EXIT

FLAGS=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
       --disable-extensions --user-data-dir="$PROFILE" --window-size="$SIZE")

check_once() {
  REASONS=()
  timeout 60 "$BROWSER" "${FLAGS[@]}" --virtual-time-budget="$BUDGET" --dump-dom "$URL" >"$DOM" 2>/dev/null
  if ! grep -q '<body' "$DOM"; then REASONS+=("no page (is $BASE serving?)"); return 1; fi
  local body conn cards cells o st want ok
  body="$(grep -o '<body[^>]*>' "$DOM" | head -1)"
  conn="$(sed -n 's/.*data-conn="\([^"]*\)".*/\1/p' <<<"$body")"
  if [ "$conn" = "auth-error" ] || [ "$conn" = "signed-out" ]; then REASONS+=("page is in state '$conn' (token rejected?)"); fi
  cards="$(grep -o '<article class="org[^"]*"[^>]*>' "$DOM")"
  for o in $ORGS; do
    grep -q "data-org=\"$o\"" <<<"$cards" || REASONS+=("no card for org '$o'")
  done
  if [ "$EXACT" = 1 ]; then
    for o in $(grep -o 'data-org="[^"]*"' <<<"$cards" | sed 's/data-org="\([^"]*\)"/\1/'); do
      case " $ORGS " in *" $o "*) ;; *) REASONS+=("unexpected card for org '$o'") ;; esac
    done
  fi
  cells="$(grep -o '<canvas id="heatmap"[^>]*>' "$DOM" | grep -o 'data-heatmap-cells="[0-9]*"' | grep -o '[0-9][0-9]*' | head -1)"
  cells="${cells:-0}"
  [ "$cells" -gt 0 ] || REASONS+=("heatmap drew no cells")
  if [ "$OCC" = 1 ]; then
    local gid gval
    for gid in g-today g-15 g-60; do
      gval="$(grep -o "<div class=\"fig\" id=\"$gid\"[^>]*><span class=\"fig-label\">[^<]*</span><span class=\"fig-val\">[^<]*" "$DOM" | sed 's/.*fig-val">//')"
      grep -q '^[0-9][0-9]*%$' <<<"$gval" || REASONS+=("header occupancy $gid is '${gval:-none}', want a percentage")
    done
    local orgtoday
    orgtoday="$(grep -o '<span class="fig-label">Today</span><span class="fig-val">[^<]*' "$DOM" | sed 's/.*fig-val">//' | grep -vc '%$')"
    [ "$orgtoday" = 0 ] || REASONS+=("$orgtoday occupancy figures show no percentage")
  fi
  if [ "$SL" = 1 ]; then
    grep -q '<span class="q-sl"[^>]*>SL [0-9][0-9]*%/[0-9][0-9]*%' "$DOM" || REASONS+=("no queue tile shows a service level (SL NN%/NN%)")
    local ksl nosl
    ksl="$(grep -o '<div class="kpi" id="k-sl"[^>]*><span class="fig-label">[^<]*</span><span class="fig-val">[^<]*' "$DOM" | sed 's/.*fig-val">//')"
    grep -q '^[0-9][0-9]*%$' <<<"$ksl" || REASONS+=("header service level is '${ksl:-none}', want a percentage")
    nosl="$(grep -o '<div class="org-sl"[^>]*>[^<]*' "$DOM" | grep -vc '>SL [0-9][0-9]*% today')"
    [ "$nosl" = 0 ] || REASONS+=("$nosl org cards show no service level")
  fi
  if [ "$TRENDS" = 1 ]; then
    local tbox tcard tspark
    grep -q 'data-trends="on"' <<<"$body" || REASONS+=("body data-trends is not 'on': ${body}")
    trend_ok() { # the opening tag of a trend box and what follows it up to its sparkline
      grep -q 'data-trend="on"' <<<"$1" && grep -q 'data-yday="[0-9][0-9]*%"' <<<"$1" && grep -q 'data-week="[0-9][0-9]*%"' <<<"$1"
    }
    tbox="$(grep -o '<div class="trend g-trend"[^>]*>' "$DOM" | head -1)"
    trend_ok "$tbox" || REASONS+=("the header shows no trend: ${tbox:-none}")
    grep -q '<div class="trend g-trend"[^>]*><svg class="spark"[^>]*data-points="[1-9]' "$DOM" || REASONS+=("the header sparkline has no point")
    for o in $ORGS; do
      tcard="$(awk -v RS='</article>' -v key="data-org=\"$o\"" 'index($0, key) { print; exit }' "$DOM" | grep -o '<div class="trend org-trend"[^>]*><svg class="spark"[^>]*>' | head -1)"
      trend_ok "$tcard" && grep -q 'data-points="[1-9]' <<<"$tcard" || REASONS+=("org '$o' shows no trend with a point: ${tcard:-none}")
    done
    tspark="$(grep -o '<svg class="spark q-spark"[^>]*>' "$DOM" | grep 'data-trend="on"' | grep -c 'data-points="[1-9]')"
    [ "${tspark:-0}" -gt 0 ] || REASONS+=("no queue tile shows a sparkline")
  fi
  if [ -n "$TILES" ]; then
    local hagents
    hagents="$(grep -o '<canvas id="heatmap"[^>]*>' "$DOM" | grep -o 'data-heatmap-agents="[0-9]*"' | grep -o '[0-9][0-9]*' | head -1)"
    [ "${hagents:-0}" = "$TILES" ] || REASONS+=("heatmap has ${hagents:-0} agents, want $TILES")
    [ "$cells" = "$TILES" ] || REASONS+=("heatmap drew $cells tiles for $TILES agents")
  fi
  local t id want_text got
  for t in "${TEXTS[@]+"${TEXTS[@]}"}"; do
    id="${t%%=*}"; want_text="${t#*=}"
    got="$(grep -o "id=\"$id\"[^>]*>[^<]*" "$DOM" | head -1 | sed 's/^[^>]*>//')"
    [ "$got" = "$want_text" ] || REASONS+=("#$id reads '$got', want '$want_text'")
  done
  for e in "${EXPECT[@]+"${EXPECT[@]}"}"; do
    o="${e%%=*}"; want="${e#*=}"
    st="$(grep -o "<article class=\"org[^\"]*\"[^>]*data-org=\"$o\"[^>]*>" "$DOM" | sed -n 's/.*data-status="\([^"]*\)".*/\1/p' | head -1)"
    ok=0
    IFS='|' read -r -a alts <<<"$want"
    for w in "${alts[@]}"; do [ "$st" = "$w" ] && ok=1; done
    [ "$ok" = 1 ] || REASONS+=("org '$o' status is '${st:-none}', want $want")
  done
  for o in "${RED[@]+"${RED[@]}"}"; do
    local card banner header name
    card="$(awk -v RS='</article>' -v key="data-org=\"$o\"" 'index($0, key) { print; exit }' "$DOM")"
    grep -q '<article class="org[^"]*"[^>]*data-alarm="red"' <<<"$card" || REASONS+=("org '$o' card is not red (data-alarm)")
    banner="$(grep -o '<div class="org-banner"[^>]*>[^<]*' <<<"$card" | head -1)"
    if grep -q 'hidden' <<<"${banner%%>*}" || ! grep -q 'DISCONNECTED — no heartbeat for [0-9]' <<<"$banner"; then
      REASONS+=("org '$o' banner is '${banner#*>}', want 'DISCONNECTED — no heartbeat for N s'")
    fi
    header="$(grep -o '<div class="upstream-banner"[^>]*>[^<]*' "$DOM" | head -1)"
    name="$(grep -o 'class="org-name">[^<]*' <<<"$card" | head -1)"; name="${name#*>}"
    if grep -q 'hidden' <<<"${header%%>*}" || ! grep -qF "${name:-$o} DISCONNECTED — no heartbeat for" <<<"$header"; then
      REASONS+=("header line is '${header#*>}', want '${name:-$o} DISCONNECTED — no heartbeat for …'")
    fi
    # Never a wrong state: the header counts the live orgs, the global totals say they leave the org out,
    # and its queue badges are grey NO DATA, not a green OK.
    local pill title qbad
    pill="$(grep -o '<div class="conn"[^>]*>' "$DOM" | head -1)"
    grep -q 'data-orgs-live="\(some\|none\)"' <<<"$pill" || REASONS+=("connection pill does not flag orgs down: ${pill}")
    grep -q '[0-9] / [0-9]* orgs\? live' "$DOM" || REASONS+=("header does not say how many orgs are live")
    if grep -q '<body[^>]*data-scope="global"' "$DOM"; then
      title="$(grep -o '<div class="occ-title" id="occ-title">[^<]*' "$DOM" | sed 's/.*>//')"
      grep -qF "partial, without ${name:-$o}" <<<"$title" || REASONS+=("global occupancy title is '$title', want it partial without ${name:-$o}")
    fi
    qbad="$(awk -v RS='</section>' -v key="data-org=\"$o\"" 'index($0, "class=\"qorg") && index($0, key) { print; exit }' "$DOM" \
      | grep -o '<div class="lvl"[^>]*>[^<]*' | grep -vc 'NO DATA')"
    [ "${qbad:-0}" = 0 ] || REASONS+=("$qbad queue badges of '$o' are not NO DATA")
  done
  if [ "$FIT" = 1 ]; then
    local clipped qhost pages unplaced
    clipped="$(grep -o '<article class="org[^"]*"[^>]*>' "$DOM" | grep -v 'data-clipped="0"' | grep -o 'data-org="[^"]*"' | tr '\n' ' ')"
    [ -z "$clipped" ] || REASONS+=("org cards not fitting their status: $clipped")
    qhost="$(grep -o '<div class="queues" id="queues"[^>]*>' "$DOM" | head -1)"
    pages="$(sed -n 's/.*data-queue-pages="\([0-9]*\)".*/\1/p' <<<"$qhost")"
    if [ -z "$pages" ]; then REASONS+=("#queues has no data-queue-pages"); else
      unplaced="$(grep -o '<div class="qtile[^"]*"[^>]*>' "$DOM" | grep -o 'data-page="[0-9]*"' | grep -o '[0-9][0-9]*' \
        | awk -v n="$pages" '$1 < 1 || $1 > n' | wc -l)"
      [ "$unplaced" = 0 ] || REASONS+=("$unplaced queue tiles on no page of $pages")
      [ "$(grep -o '<div class="qtile[^"]*"[^>]*>' "$DOM" | grep -vc 'data-page=')" = 0 ] || REASONS+=("queue tiles without data-page")
      grep -q 'data-queue-fit="1"' <<<"$qhost" || REASONS+=("the queue page does not fit its panel (data-queue-fit)")
    fi
  fi
  if [ -n "$VIEW" ]; then
    local gotview
    gotview="$(sed -n 's/.*data-view="\([^"]*\)".*/\1/p' <<<"$body")"
    [ "$gotview" = "$VIEW" ] || REASONS+=("view is '${gotview:-none}', want '$VIEW'")
  fi
  if [ -n "$QVIEW" ]; then
    local qv
    qv="$(grep -o '<div class="queue-view" id="queue-view"[^>]*>' "$DOM" | head -1)"
    grep -qF "data-queue=\"$QVIEW\"" <<<"$qv" && ! grep -q ' hidden' <<<"$qv" || REASONS+=("the queue view does not show $QVIEW: $qv")
    grep -q 'data-agents="[1-9]' <<<"$qv" || REASONS+=("the queue view lists no agents for $QVIEW")
  fi
  if [ -n "$AGENT" ]; then
    local ap
    ap="$(grep -o '<aside class="drawer" id="agent-panel"[^>]*>' "$DOM" | head -1)"
    grep -qF "data-agent=\"$AGENT\"" <<<"$ap" && grep -q 'data-found="1"' <<<"$ap" && ! grep -q ' hidden' <<<"$ap" \
      || REASONS+=("the agent panel is not open on $AGENT: $ap")
  fi
  SUMMARY="orgs=[$(grep -o 'data-org="[^"]*" data-status="[^"]*"' <<<"$cards" | sed 's/data-org="\([^"]*\)" data-status="\([^"]*\)"/\1:\2/' | tr '\n' ' ' | sed 's/ $//')] heatmap-cells=$cells conn=${conn:-?}"
  [ ${#REASONS[@]} -eq 0 ]
}

START=$(date +%s)
TRY=0
RESULT=1
while :; do
  TRY=$((TRY + 1))
  if check_once; then RESULT=0; break; fi
  [ $(( $(date +%s) - START )) -ge "$TIMEOUT" ] && break
  sleep 2
done

if [ -n "$SHOT" ]; then
  mkdir -p "$(dirname "$SHOT")"
  timeout 60 "$BROWSER" "${FLAGS[@]}" --virtual-time-budget="$BUDGET" --screenshot="$SHOT" "$URL" >/dev/null 2>&1
  [ -s "$SHOT" ] && echo "dashboard-check: screenshot $SHOT" || echo "dashboard-check: (screenshot failed: $SHOT)"
fi

if [ "$RESULT" = 0 ]; then
  echo "dashboard-check: PASS $SUMMARY (try $TRY)"
  exit 0
fi
JOINED=""
for r in "${REASONS[@]+"${REASONS[@]}"}"; do JOINED="${JOINED:+$JOINED; }$r"; done
echo "dashboard-check: FAIL $JOINED — ${SUMMARY:-} (after $TRY tries)"
exit 1
