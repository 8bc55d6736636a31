// Switchboard dashboard — the agent heatmap (squarified treemap from treemap.js on a canvas:
// size = tenure since the hire date, or productive time today with ?size=productive; colour = 60-min
// band), the band bar and state summary, and the hover tooltip. Every agent in view gets a tile.
// renderHeat / renderTooltip are called from render.js.
'use strict';

const heat = new window.SBTreemap.Heatmap($('heatmap'), {
  background: '#0e1420',
  headerBg: '#182133',
  headerText: '#e8edf5',
  headerMuted: '#8a96ab',
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  colourOf: (a) => BAND_COLOUR[a.band] || NO_BAND_COLOUR,
  dimOf: (a) => isOffQueue(a),
  labelOf: (a) => [String(a.name || a.id), pct(a.occupancy && a.occupancy[bandWindow(a)])],
});
function bandWindow() { return 'rolling60m'; }
const BUCKET_LABEL = { interacting: 'Interacting', ringing: 'Ringing', acw: 'After-call work', idle: 'Idle on queue', away: 'Break / away', offline: 'Offline' };

let lastGroupKey = '', lastLayoutAt = 0, heatSize = { w: 0, h: 0 };

// ---- tile size: tenure (default) or productive time today, kept in the URL as ?size=productive ----
const SIZE_MODES = ['tenure', 'productive'];
const DAY_MS = 86400000;
let sizeMode = new URLSearchParams(location.search).get('size') === 'productive' ? 'productive' : 'tenure';
function setSizeMode(m) {
  if (!SIZE_MODES.includes(m) || m === sizeMode) return;
  sizeMode = m;
  try {
    const u = new URL(location.href);
    if (m === 'tenure') u.searchParams.delete('size'); else u.searchParams.set('size', m);
    history.replaceState(null, '', u.pathname + u.search + u.hash);
  } catch (e) { /* ignore */ }
  dirty.agentSet = true; dirty.agents = true; scheduleRender();
}
function onSizeSwitchClick(e) { const b = e.target.closest('button[data-size]'); if (b) setSizeMode(b.dataset.size); }
// the hire date as a day number (days since 1970-01-01), or null; cached on the agent object
function hireDay(a) {
  if (a._hire !== undefined) return a._hire;
  const s = a.hireDate;
  const t = typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(s + 'T00:00:00Z') : NaN;
  return (a._hire = isFinite(t) ? Math.floor(t / DAY_MS) : null);
}
function tenureDays(a, today) { const d = hireDay(a); return d == null ? null : Math.max(1, today - d); }
function tenureText(days) {
  if (days < 60) return days + (days === 1 ? ' day' : ' days');
  const months = Math.floor(days / 30.44);
  if (months < 24) return months + ' months';
  const y = Math.floor(days / 365.25), mo = Math.floor((days - y * 365.25) / 30.44);
  return y + ' y' + (mo ? ' ' + mo + ' mo' : '');
}
function median(xs) {
  if (!xs.length) return null;
  xs.sort((x, y) => x - y);
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}
let heatMedianTenure = null;
const heatWrap = $('heat-wrap');

// the heatmap's box changed size (app.js wires this to ResizeObserver and window resize)
function onHeatResize() { dirty.agentSet = true; dirty.agents = true; scheduleRender(); }

// ---- heatmap ----
let heatOrgInfo = new Map();
function renderHeat(v, orgList, inScope) {
  const canvas = $('heatmap');
  const rect = heatWrap.getBoundingClientRect();
  const w = Math.floor(rect.width), h = Math.floor(rect.height);
  const sizeChanged = w !== heatSize.w || h !== heatSize.h;
  if (sizeChanged) { heat.resize(w, h, window.devicePixelRatio || 1); heatSize = { w, h }; }
  const nowC = Date.now();
  // group agents by org; every agent gets a tile, sized by tenure or productive time today
  const groups = new Map();
  for (const o of orgList) groups.set(String(o.id), { items: [], zero: 0, total: 0, all: 0 });
  const buckets = { interacting: 0, ringing: 0, acw: 0, idle: 0, away: 0, offline: 0 };
  let totalAgents = 0, noHire = 0;
  const bands = { under: 0, healthy: 0, elevated: 0, burnout: 0, none: 0, warming: 0 };
  const today = Math.floor(serverNow() / DAY_MS);
  const tenures = [];
  for (const a of v.agents.values()) {
    if (!inScope(a)) continue;
    bands[BAND_COLOUR[a.band] ? a.band : a.bandStatus === 'warming-up' ? 'warming' : 'none']++;
    let g = groups.get(String(a.org));
    if (!g) { g = { items: [], zero: 0, total: 0, all: 0 }; groups.set(String(a.org), g); }
    g.all++; totalAgents++;
    buckets[stateBucket(a)]++;
    const p = num(a.productiveMs && a.productiveMs.today);
    if (!(p > 0)) g.zero++;
    const t = tenureDays(a, today);
    if (t == null) noHire++; else tenures.push(t);
    g.items.push({ id: String(a.id), value: sizeMode === 'productive' ? (p > 0 ? p : 0) : t });
  }
  heatOrgInfo = new Map();
  for (const [id, g] of groups) {
    const o = v.orgs.get(id) || { id };
    const st = shownStatus(o.status);
    const parts = [g.all + ' agents'];
    if (g.zero) parts.push(g.zero + ' not productive today');
    const info = { label: o.name || id, sublabel: parts.join(' · '), sublabelShort: parts[0], statusText: st === 'open' ? null : st.toUpperCase(), statusColour: STATUS_COLOUR[st] };
    if (st === 'disconnected') info.veil = { fill: 'rgba(40,6,8,0.62)', stroke: '#ef4444', text: 'DISCONNECTED', textColour: '#fff', sub: 'figures frozen' };
    else if (st === 'stale') info.veil = { fill: 'rgba(30,22,4,0.45)', stroke: '#f5a524', text: 'STALE', textColour: '#1a1204', sub: 'upstream quiet — may be out of date' };
    heatOrgInfo.set(id, info);
  }
  const groupKey = [...groups.keys()].join(',');
  const needLayout = dirty.agentSet || sizeChanged || groupKey !== lastGroupKey || nowC - lastLayoutAt > RELAYOUT_EVERY_MS;
  lastGroupKey = groupKey;
  if (needLayout) {
    // agents without a hire date take the median tenure (all equal when nobody has one); every tile keeps a
    // visible minimum: in productive mode an agent with little or no productive time gets 1/8 of the org's
    // mean tile, in tenure mode a brand-new hire 1/32 (about the first six weeks look alike)
    heatMedianTenure = median(tenures);
    const share = sizeMode === 'productive' ? 8 : 32;
    for (const g of groups.values()) {
      let sum = 0;
      for (const it of g.items) { if (it.value == null) it.value = heatMedianTenure || 1; sum += it.value; }
      const floor = g.items.length ? (sum > 0 ? sum / (g.items.length * share) : 1) : 0;
      g.total = 0;
      for (const it of g.items) { if (it.value < floor) it.value = floor; g.total += it.value; }
    }
    const list = [];
    for (const [id, g] of groups) {
      g.items.sort((x, y) => y.value - x.value);
      list.push({ id, label: id, weight: g.total, items: g.items, emptyText: 'No agents' });
    }
    heat.layout(list);
    lastLayoutAt = nowC;
    if (hoverId) { hoverIndex = heat.ids.indexOf(hoverId); heat.hover = hoverIndex; }
  }
  const drawn = w > 0 && h > 0 ? heat.draw(v.agents, (id) => heatOrgInfo.get(id)) : 0;
  setAttr(canvas, 'data-heatmap-cells', drawn);
  setAttr(canvas, 'data-heatmap-agents', totalAgents);
  setAttr(canvas, 'data-size-mode', sizeMode);
  setAttr(canvas, 'data-no-hire-date', noHire);
  setAttr(heatWrap, 'data-heatmap-cells', drawn);
  renderSizeLegend(noHire, groups);
  $('heat-empty').hidden = totalAgents > 0;
  setText($('heat-empty'), model.conn === 'live' ? 'No agents in view' : 'Waiting for data…');
  // band mix in the header: a bar plus the same numbers as text
  const bar = $('bandbar');
  for (const i of bar.children) {
    const k = i.dataset.band;
    i.style.flexGrow = String(bands[k]);
    setAttr(i, 'title', bands[k] + ' ' + k);
  }
  setText($('bandtext'), totalAgents ? (bands.burnout + ' burnout · ' + bands.elevated + ' elevated · ' + bands.healthy + ' healthy · ' + bands.under + ' under'
    + (bands.warming ? ' · ' + bands.warming + ' warming up' : '')) : '—');
  setAttr($('bandtext'), 'title', bands.none + ' agents without a band (no productive time in the window); '
    + bands.warming + ' warming up (too little productive time in the window to judge yet)');
  setAttr(bar, 'data-burnout', bands.burnout);
  // state summary line (text, so state is never conveyed by colour alone)
  const sum = $('state-summary');
  const order = ['interacting', 'ringing', 'acw', 'idle', 'away', 'offline'];
  if (!sum._items) {
    sum._items = {};
    const tot = el('span', 'ss tot'); tot.append(el('b'), el('span', null, ' agents')); sum.append(tot); sum._items.total = tot;
    for (const k of order) { const s = el('span', 'ss ' + k); s.append(el('b'), el('span', null, ' ' + BUCKET_LABEL[k].toLowerCase())); sum.append(s); sum._items[k] = s; }
  }
  setText(sum._items.total.firstChild, String(totalAgents));
  for (const k of order) { setText(sum._items[k].firstChild, String(buckets[k])); sum._items[k].hidden = buckets[k] === 0 && (k === 'ringing'); }
}

// the size switch and the legend line that says what the size means
function renderSizeLegend(noHire, groups) {
  for (const b of $('size-switch').querySelectorAll('button[data-size]')) setAttr(b, 'aria-pressed', b.dataset.size === sizeMode);
  const note = $('size-note');
  let text, title;
  if (sizeMode === 'productive') {
    let zero = 0;
    for (const g of groups.values()) zero += g.zero;
    text = 'size: productive time today' + (zero ? ' · ' + zero + (zero === 1 ? ' agent' : ' agents') + ' with none (smallest tiles)' : '');
    title = 'Tile area is proportional to the agent\'s productive time today; agents with none still get a small tile.';
  } else {
    text = 'size: tenure' + (noHire ? ' · ' + noHire + (noHire === 1 ? ' agent' : ' agents') + ' without hire date' : '');
    title = 'Tile area is proportional to the time since the agent\'s hire date (employerInfo.dateHire)' +
      (noHire ? '; agents without a hire date are shown at the median tenure' + (heatMedianTenure ? ' (' + tenureText(Math.round(heatMedianTenure)) + ')' : '') : '') + '.';
  }
  setText(note, text);
  setAttr(note, 'title', title);
  setAttr(note, 'data-size-mode', sizeMode);
}

// ---- tooltip ----
let hoverIndex = -1, hoverId = null, hoverXY = [0, 0];
const canvasEl = $('heatmap');
function onHeatMouseMove(e) {
  const r = canvasEl.getBoundingClientRect();
  const i = heat.hit(e.clientX - r.left, e.clientY - r.top);
  hoverXY = [e.clientX, e.clientY];
  if (i !== hoverIndex) { hoverIndex = i; hoverId = i >= 0 ? heat.ids[i] : null; heat.hover = i; dirty.agents = true; }
  if (i < 0) $('tooltip').hidden = true;
  scheduleRender();
}
// a click on a tile opens the agent panel (nav.js)
function onHeatClick(e) {
  const r = canvasEl.getBoundingClientRect();
  const i = heat.hit(e.clientX - r.left, e.clientY - r.top);
  if (i >= 0) { $('tooltip').hidden = true; openAgent(heat.ids[i]); }
}
function onHeatMouseLeave() { hoverIndex = -1; hoverId = null; heat.hover = -1; $('tooltip').hidden = true; dirty.agents = true; scheduleRender(); }

function renderTooltip(v, now) {
  const tip = $('tooltip');
  const id = hoverId;
  const a = id && v.agents.get(id);
  if (!a) { tip.hidden = true; return; }
  const o = v.orgs.get(String(a.org)) || {};
  const since = ts(a.stateSince);
  const t = ticked(a, now, String(o.status || '').toLowerCase());
  const occ = t.occupancy || {}, hm = t.handlingMs || {}, pm = t.productiveMs || {};
  const band = a.band || null;
  tip.textContent = '';
  const head = el('div', 'tt-head');
  head.append(el('div', 'tt-name', a.name || a.id), el('div', 'tt-org', (o.name || a.org || '') + (band ? '' : '')));
  const st = el('div', 'tt-state');
  const stateText = [a.state || BUCKET_LABEL[stateBucket(a)], a.presence && norm(a.presence) !== norm(a.state) ? a.presence : null].filter(Boolean).join(' · ');
  st.textContent = stateText + (since ? ' · since ' + hms(since) + ' (' + dur(now - since) + ')' : '');
  const b = el('div', 'tt-band');
  b.dataset.band = band || 'none';
  b.textContent = band ? band.toUpperCase() + ' (60 min band)'
    : a.bandStatus === 'warming-up' ? 'WARMING UP — too little productive time in the band window to judge yet'
    : 'NO BAND — no productive time in the band window';
  const tbl = el('table', 'tt-table');
  const hr = el('tr'); for (const c of ['', 'Occ.', 'Handling', 'Productive']) hr.append(el('th', null, c)); tbl.append(hr);
  for (const [w, label] of [['today', 'Today'], ['rolling15m', '15 min'], ['rolling60m', '60 min']]) {
    const tr = el('tr');
    tr.append(el('th', null, label), el('td', null, pct(occ[w])), el('td', null, dur(hm[w])), el('td', null, dur(pm[w])));
    tbl.append(tr);
  }
  tip.append(head, st, b, tbl);
  if (!(num(pm.today) > 0)) tip.append(el('div', 'tt-foot tt-warn', 'No productive time today'));
  const hd = hireDay(a), today = Math.floor(now / DAY_MS);
  tip.append(el('div', 'tt-foot', hd != null ? 'Hired ' + a.hireDate + ' · tenure ' + tenureText(tenureDays(a, today))
    : 'No hire date in the directory' + (sizeMode === 'tenure' ? ' · shown at the median tenure' : '')));
  if (a.routingStatus) tip.append(el('div', 'tt-foot', 'Routing: ' + a.routingStatus));
  tip.hidden = false;
  const pad = 16, tw = tip.offsetWidth, th = tip.offsetHeight;
  let x = hoverXY[0] + pad, y = hoverXY[1] + pad;
  if (x + tw > window.innerWidth - 8) x = hoverXY[0] - tw - pad;
  if (y + th > window.innerHeight - 8) y = hoverXY[1] - th - pad;
  tip.style.transform = 'translate(' + Math.max(4, x) + 'px,' + Math.max(4, y) + 'px)';
}
