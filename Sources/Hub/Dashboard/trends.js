// Switchboard dashboard — trends (docs/dashboard.md, "Trends"): from GET /v1/history, the global header and
// every org card show today's occupancy as a sparkline over the local day (15-minute steps, yesterday's day
// as a faint dashed line behind it) with "same time yesterday" and "same weekday last week" beside the live
// figure; every queue tile a sparkline of its last 2 hours. Fetched at load, when a 15-minute bucket has
// closed on the bridge, and every 5 minutes. A bridge that keeps no history (404 no-store) shows no trend
// elements at all; a topic the token does not cover (403) shows none for that element.
// Test hooks: body data-trends="unknown|on|off"; every trend element data-trend="on|none|forbidden|error";
// each sparkline <svg class="spark"> data-points (today's steps drawn), data-slots and data-from/data-to (the
// range asked for); the compare
// figures data-yday and data-week (the text shown).
'use strict';

const TREND_BUCKET_MS = 15 * 60 * 1000;
const TREND_DAY_MS = 24 * 3600 * 1000;
const BUCKET_CLOSE_GRACE_MS = 2 * 60 * 1000; // the bridge closes a bucket 2 min after it ended (docs/store.md)
const TREND_REFRESH_MS = 5 * 60 * 1000;
const TREND_RETRY_MS = 5 * 1000;             // first retry of a series that lacks its newest closed bucket
const TREND_PARALLEL = 4;
const QUEUE_TREND_SLOTS = 8;                 // 2 hours of 15-minute buckets
const SVG_NS = 'http://www.w3.org/2000/svg';

const trends = {
  state: 'unknown',    // unknown | on | off (the bridge keeps no history)
  series: new Map(),   // key (global, org:<id>, queue:<org>/<id>) → digest, or {status: 'forbidden'|'error'}
  inFlight: new Set(),
  waiting: [],
  lastClosed: null,    // index of the newest closed bucket at the last full refresh
  refreshedAt: 0,
};

// ---- local days in a time zone (the org's; the browser's for global) ----
const zoneFormats = new Map();
function zoneOffsetMs(t, tz) {
  let f = zoneFormats.get(tz || '');
  if (!f) {
    const o = { hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' };
    if (tz) o.timeZone = tz;
    f = new Intl.DateTimeFormat('en-US', o);
    zoneFormats.set(tz || '', f);
  }
  const p = {};
  for (const x of f.formatToParts(new Date(t))) p[x.type] = x.value;
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(t / 1000) * 1000;
}
function startOfLocalDay(t, tz) {
  let off;
  try { off = zoneOffsetMs(t, tz); } catch (e) { tz = ''; off = zoneOffsetMs(t, ''); }
  const local = t + off;
  let m = local - ((local % TREND_DAY_MS) + TREND_DAY_MS) % TREND_DAY_MS - off;
  const off2 = zoneOffsetMs(m, tz);
  if (off2 !== off) m += off - off2; // a DST change between midnight and now
  return m;
}

// ---- what to fetch ----
// The header's series: global, or the one org in view; none for several orgs (their sum is not a stored series).
function headerTrendKey(scope, orgList) {
  if (!scope) return 'global';
  return orgList.length === 1 ? 'org:' + orgList[0].id : null;
}
function wantedTrendKeys() {
  const v = view(), scope = scopeOrgs();
  const orgList = [...v.orgs.values()].filter(o => !scope || scope.has(String(o.id)));
  const keys = new Set();
  const h = headerTrendKey(scope, orgList);
  if (h) keys.add(h);
  for (const o of orgList) keys.add('org:' + o.id);
  for (const q of v.queues.values()) if (!scope || scope.has(String(q.org))) keys.add('queue:' + q.id);
  return keys;
}
function trendRequest(key, now) {
  const p = new URLSearchParams({ topic: key, step: '15m' });
  if (key.startsWith('queue:')) {
    const to = Math.floor(now / TREND_BUCKET_MS) * TREND_BUCKET_MS, from = to - QUEUE_TREND_SLOTS * TREND_BUCKET_MS;
    p.set('from', new Date(from).toISOString()); p.set('to', new Date(to).toISOString());
    return { url: '/v1/history?' + p, kind: 'queue', from, to, cut: to };
  }
  let tz = '';
  if (key.startsWith('org:')) { const o = view().orgs.get(key.slice(4)); tz = (o && o.timezone) || ''; }
  const from = startOfLocalDay(now, tz), to = startOfLocalDay(from + 36 * 3600 * 1000, tz);
  p.set('from', new Date(from).toISOString()); p.set('to', new Date(to).toISOString()); p.set('compare', 'day,week');
  return { url: '/v1/history?' + p, kind: 'day', from, to, cut: Math.floor(now / TREND_BUCKET_MS) * TREND_BUCKET_MS, tz };
}

// Called every second (app.js): a full refresh when a bucket has closed on the bridge (business time, so a
// fast demo clock refreshes as often as it closes buckets) or every 5 minutes; new orgs and queues at once.
function trendsTick() {
  // Once anything is shown: the stream's snapshot, or the REST snapshot the page fetches beside it (prefetch).
  if (!model.token || trends.state === 'off') return;
  if (!model.lastDataAt && ![...model.topics.values()].some(t => t.hasData)) return;
  const closed = Math.floor((serverNow() - BUCKET_CLOSE_GRACE_MS) / TREND_BUCKET_MS);
  const all = closed !== trends.lastClosed || Date.now() - trends.refreshedAt >= TREND_REFRESH_MS;
  if (all) { trends.lastClosed = closed; trends.refreshedAt = Date.now(); }
  for (const k of wantedTrendKeys()) {
    if (trends.inFlight.has(k) || trends.waiting.includes(k)) continue;
    const d = trends.series.get(k);
    if (all || !d || (d.retryAt && Date.now() >= d.retryAt)) trends.waiting.push(k);
  }
  pumpTrends();
}
function resetTrends() {
  trends.state = 'unknown'; trends.series.clear(); trends.waiting = []; trends.lastClosed = null; trends.refreshedAt = 0;
}

function pumpTrends() {
  while (trends.inFlight.size < TREND_PARALLEL && trends.waiting.length && trends.state !== 'off') {
    const key = trends.waiting.shift();
    const req = trendRequest(key, serverNow());
    const token = model.token;
    trends.inFlight.add(key);
    fetch(req.url, { cache: 'no-store', headers: { authorization: 'Bearer ' + token, accept: 'application/json' } })
      .then(async (r) => {
        if (token !== model.token) return;
        if (r.status === 404) {        // no-store: the bridge keeps no history; nothing to show anywhere
          trends.state = 'off'; trends.waiting = []; trends.series.clear();
        } else if (r.status === 403) { // the token does not cover this topic: this element shows nothing
          trends.series.set(key, { status: 'forbidden' });
        } else if (r.ok) {
          trends.state = 'on';
          const prev = trends.series.get(key), d = digestTrend(req, await r.json());
          // The newest closed bucket missing (a bridge that has just started closes today's buckets
          // after its first re-sync; a queue nobody was on has none): ask again soon, backing off.
          if (!hasNewestClosed(d, serverNow())) {
            d.retryIn = Math.min(TREND_REFRESH_MS, prev && prev.retryIn ? prev.retryIn * 2 : TREND_RETRY_MS);
            d.retryAt = Date.now() + d.retryIn;
          }
          trends.series.set(key, d);
        } else if (!trends.series.has(key) || trends.series.get(key).status !== 'on') {
          trends.series.set(key, { status: 'error' });
        } // else: keep what was shown (a store busy for a moment)
      })
      .catch(() => { /* the next refresh tries again */ })
      .finally(() => {
        trends.inFlight.delete(key);
        dirty.header = true; dirty.orgs = true; dirty.queues = true;
        scheduleRender();
        pumpTrends();
      });
  }
}

// One answer → slots of occupancy (null where no bucket is stored) and the compare figures: the occupancy of
// yesterday's and last week's buckets from local midnight to the start of the current step (Σ handling ÷
// Σ productive), i.e. "so far today" one day and one week earlier.
function digestTrend(req, body) {
  const slots = Math.max(1, Math.round((req.to - req.from) / TREND_BUCKET_MS));
  const fill = (points) => {
    const out = new Array(slots).fill(null);
    for (const p of points || []) {
      const i = Math.round((ts(p.start) - req.from) / TREND_BUCKET_MS);
      if (i >= 0 && i < slots && num(p.occupancy) != null) out[i] = p.occupancy;
    }
    return out;
  };
  const sumTo = (points) => {
    let h = 0, pr = 0;
    for (const p of points || []) if (ts(p.start) < req.cut) { h += num(p.handlingMs) || 0; pr += num(p.productiveMs) || 0; }
    return pr > 0 ? h / pr : null;
  };
  const d = { status: 'on', kind: req.kind, slots, from: req.from, cut: req.cut, tz: req.tz || '', today: fill(body.points) };
  if (req.kind === 'day') {
    d.yesterday = fill(body.yesterday);
    d.yday = sumTo(body.yesterday);
    d.week = sumTo(body.lastWeek);
  }
  return d;
}

// True when the series has a value in the newest bucket that should be closed by `now` (ended, plus the
// bridge's closing grace), or that bucket lies outside the series.
function hasNewestClosed(d, now) {
  const newest = Math.floor((now - BUCKET_CLOSE_GRACE_MS) / TREND_BUCKET_MS) * TREND_BUCKET_MS - TREND_BUCKET_MS;
  const i = Math.round((newest - d.from) / TREND_BUCKET_MS);
  return i < 0 || i >= d.slots || d.today[i] != null;
}

// ---- drawing ----
function makeSpark(cls) {
  const s = document.createElementNS(SVG_NS, 'svg');
  s.setAttribute('class', 'spark' + (cls ? ' ' + cls : ''));
  s.setAttribute('preserveAspectRatio', 'none');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('data-points', '0');
  return s;
}
// The y range of a sparkline: the values' range widened to tenths (at least 30 points of occupancy), so the
// day's shape shows in a line a few pixels high; the tooltip gives the range.
function sparkRange(series) {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s || []) if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!isFinite(lo)) return [0, 1];
  lo = Math.max(0, Math.floor((lo - 0.02) * 10) / 10);
  hi = Math.min(1, Math.ceil((hi + 0.02) * 10) / 10);
  if (hi - lo < 0.3) { lo = Math.max(0, hi - 0.3); hi = Math.min(1, lo + 0.3); }
  return [lo, hi];
}
// A path through the slots' values (occupancy in `range` on a 0–100 y axis, 100 at the bottom), broken where
// a slot has none; a lone point is a dot (a zero-length segment with round caps).
function sparkY(v, range) { return (100 - Math.max(0, Math.min(1, (v - range[0]) / (range[1] - range[0]))) * 100).toFixed(1); }
function sparkPath(values, range) {
  let d = '', run = 0;
  values.forEach((v, i) => {
    if (v == null) { if (run === 1) d += 'l0 0'; run = 0; return; }
    const x = (i + 0.5).toFixed(2), y = sparkY(v, range);
    d += (run ? 'L' : 'M') + x + ' ' + y;
    run++;
  });
  if (run === 1) d += 'l0 0';
  return d;
}
function drawSpark(svg, d) {
  if (svg._src === d) return;
  svg._src = d;
  svg.textContent = '';
  const slots = d ? d.slots : 1;
  svg.setAttribute('viewBox', '0 0 ' + slots + ' 100');
  const add = (cls, path) => { if (!path) return; const p = document.createElementNS(SVG_NS, 'path'); p.setAttribute('class', cls); p.setAttribute('d', path); svg.append(p); };
  add('sp-base', 'M0 100L' + slots + ' 100');
  let n = 0;
  if (d) {
    const range = sparkRange([d.today, d.yesterday]);
    if (d.yesterday) add('sp-yday', sparkPath(d.yesterday, range));
    add('sp-today', sparkPath(d.today, range));
    let last = -1;
    d.today.forEach((v, i) => { if (v != null) { n++; last = i; } });
    if (last >= 0) add('sp-dot', 'M' + (last + 0.5).toFixed(2) + ' ' + sparkY(d.today[last], range) + 'l0 0');
    d.range = range;
  }
  svg.setAttribute('data-points', String(n));
  svg.setAttribute('data-slots', String(slots));
  if (d) { svg.setAttribute('data-from', new Date(d.from).toISOString()); svg.setAttribute('data-to', new Date(d.from + slots * TREND_BUCKET_MS).toISOString()); }
}
function rangeText(d) { return d.range ? ' (height ' + pct(d.range[0]) + '–' + pct(d.range[1]) + ')' : ''; }

// The header's and an org card's trend: sparkline plus "yday 74% · last wk 80%".
function makeTrendBox(cls) {
  const box = el('div', 'trend ' + cls);
  box.hidden = true;
  const svg = makeSpark();
  const cmp = el('span', 'cmp');
  const mk = (label, title) => { const f = el('span', 'cmp-fig'); f.title = title; f.append(el('span', 'cmp-label', label), ' ', el('b', null, '—')); cmp.append(f); return f; };
  const yd = mk('yday', ''), wk = mk('last wk', '');
  box.append(svg, cmp);
  return { box, svg, cmp, yd, wk };
}
function trendOf(key) { return key && trends.state === 'on' ? trends.series.get(key) || null : null; }
function trendAttr(box, d) { setAttr(box, 'data-trend', !d ? 'none' : d.status); }
function renderTrendBox(t, key, thresholds) {
  const d = trendOf(key);
  trendAttr(t.box, d);
  const show = !!d && d.status === 'on';
  if (t.box.hidden === show) t.box.hidden = !show;
  if (!show) return;
  drawSpark(t.svg, d);
  let upTo;
  try { upTo = hm(d.cut, d.tz || undefined); } catch (e) { upTo = hm(d.cut); } // a zone this browser does not know
  for (const [f, v, when] of [[t.yd, d.yday, 'yesterday'], [t.wk, d.week, 'the same weekday last week']]) {
    setText(f.lastChild, pct(v));
    setAttr(f, 'data-band', occBand(v, thresholds));
    setAttr(f, 'title', 'Occupancy ' + when + ' from 00:00 to ' + upTo + ' (handling ÷ productive), to compare with Today'
      + (v == null ? ': no history stored for it' : ''));
  }
  setAttr(t.cmp, 'title', 'Occupancy from 00:00 to ' + upTo + ' yesterday and on the same weekday last week, to compare with Today');
  setAttr(t.box, 'data-yday', pct(d.yday));
  setAttr(t.box, 'data-week', pct(d.week));
  setAttr(t.box, 'title', 'Occupancy today by 15 minutes from 00:00' + (d.tz ? ' (' + d.tz + ')' : ' (this screen\'s time)')
    + rangeText(d) + '; dashed: yesterday');
}
// A queue tile's 2-hour sparkline.
// Shown only with data-trend="on" (style.css: an SVG element has no `hidden` property to set).
function renderQueueSpark(svg, key) {
  const d = trendOf(key);
  setAttr(svg, 'data-trend', !d ? 'none' : d.status);
  if (!d || d.status !== 'on') return;
  drawSpark(svg, d);
  let tip = svg.querySelector('title');
  if (!tip) { tip = document.createElementNS(SVG_NS, 'title'); svg.prepend(tip); }
  setText(tip, 'Occupancy per 15 minutes, last 2 hours' + rangeText(d) + ': ' + d.today.map(v => v == null ? '—' : pct(v)).join(' '));
}

// The header's trend (index.html has its places): the sparkline beside the figures, the compare figures in
// the title line (no wider than the figures), so the header stays one line at 1920 px with every KPI.
let headerTrend = null;
function renderHeaderTrend(scope, orgList, thresholds) {
  if (!headerTrend) {
    headerTrend = makeTrendBox('g-trend');
    headerTrend.box.id = 'g-trend-box';
    $('g-trend').append(headerTrend.box);
    $('g-cmp').append(headerTrend.cmp);
  }
  renderTrendBox(headerTrend, headerTrendKey(scope, orgList), thresholds);
  const on = !headerTrend.box.hidden;
  for (const id of ['g-trend', 'g-cmp']) if ($(id).hidden === on) $(id).hidden = !on;
}
