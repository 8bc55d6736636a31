// Switchboard dashboard — the agent heatmap (squarified treemap from treemap.js on a canvas:
// size = productive time today, colour = 60-min band), the band bar and state summary, and the
// hover tooltip. renderHeat / renderTooltip are called from render.js.
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
  // group agents by org
  const groups = new Map();
  for (const o of orgList) groups.set(String(o.id), { items: [], zero: 0, total: 0, all: 0 });
  const buckets = { interacting: 0, ringing: 0, acw: 0, idle: 0, away: 0, offline: 0 };
  let totalAgents = 0;
  const bands = { under: 0, healthy: 0, elevated: 0, burnout: 0, none: 0 };
  for (const a of v.agents.values()) {
    if (!inScope(a)) continue;
    bands[BAND_COLOUR[a.band] ? a.band : 'none']++;
    let g = groups.get(String(a.org));
    if (!g) { g = { items: [], zero: 0, total: 0, all: 0 }; groups.set(String(a.org), g); }
    g.all++; totalAgents++;
    buckets[stateBucket(a)]++;
    const p = num(a.productiveMs && a.productiveMs.today);
    if (p != null && p > 0) { g.items.push({ id: String(a.id), value: p }); g.total += p; } else g.zero++;
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
    const list = [];
    for (const [id, g] of groups) {
      g.items.sort((x, y) => y.value - x.value);
      list.push({ id, label: id, weight: g.total, items: g.items,
        emptyText: g.all ? 'No productive time yet today (' + g.all + ' agents)' : 'No agents' });
    }
    heat.layout(list);
    lastLayoutAt = nowC;
    if (hoverId) { hoverIndex = heat.ids.indexOf(hoverId); heat.hover = hoverIndex; }
  }
  const drawn = w > 0 && h > 0 ? heat.draw(v.agents, (id) => heatOrgInfo.get(id)) : 0;
  setAttr(canvas, 'data-heatmap-cells', drawn);
  setAttr(canvas, 'data-heatmap-agents', totalAgents);
  setAttr(heatWrap, 'data-heatmap-cells', drawn);
  $('heat-empty').hidden = totalAgents > 0;
  setText($('heat-empty'), model.conn === 'live' ? 'No agents in view' : 'Waiting for data…');
  // band mix in the header: a bar plus the same numbers as text
  const bar = $('bandbar');
  for (const i of bar.children) {
    const k = i.dataset.band;
    i.style.flexGrow = String(bands[k]);
    setAttr(i, 'title', bands[k] + ' ' + k);
  }
  setText($('bandtext'), totalAgents ? (bands.burnout + ' burnout · ' + bands.elevated + ' elevated · ' + bands.healthy + ' healthy · ' + bands.under + ' under') : '—');
  setAttr($('bandtext'), 'title', bands.none + ' agents without a band (no productive time in the window)');
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
  b.textContent = band ? band.toUpperCase() + ' (60 min band)' : 'NO BAND — no productive time in the band window';
  const tbl = el('table', 'tt-table');
  const hr = el('tr'); for (const c of ['', 'Occ.', 'Handling', 'Productive']) hr.append(el('th', null, c)); tbl.append(hr);
  for (const [w, label] of [['today', 'Today'], ['rolling15m', '15 min'], ['rolling60m', '60 min']]) {
    const tr = el('tr');
    tr.append(el('th', null, label), el('td', null, pct(occ[w])), el('td', null, dur(hm[w])), el('td', null, dur(pm[w])));
    tbl.append(tr);
  }
  tip.append(head, st, b, tbl);
  if (a.routingStatus) tip.append(el('div', 'tt-foot', 'Routing: ' + a.routingStatus));
  tip.hidden = false;
  const pad = 16, tw = tip.offsetWidth, th = tip.offsetHeight;
  let x = hoverXY[0] + pad, y = hoverXY[1] + pad;
  if (x + tw > window.innerWidth - 8) x = hoverXY[0] - tw - pad;
  if (y + th > window.innerHeight - 8) y = hoverXY[1] - th - pad;
  tip.style.transform = 'translate(' + Math.max(4, x) + 'px,' + Math.max(4, y) + 'px)';
}
