// Switchboard dashboard — rendering: at most one render per animation frame, reading the model
// (body data-* hooks, header figures and connection state, org cards, queue tiles, footer).
// The heatmap and its tooltip are heatmap.js's.
'use strict';

// ---- rendering ----------------------------------------------------------------------------
let rafPending = false, fallbackTimer = null, renderCount = 0;
function scheduleRender() {
  if (rafPending) return;
  rafPending = true;
  requestAnimationFrame(frame);
  // hidden or headless tabs may not run animation frames; never let the board freeze because of it
  fallbackTimer = setTimeout(frame, 1000);
}
function frame() {
  if (!rafPending) return;
  rafPending = false;
  clearTimeout(fallbackTimer);
  try { render(); } catch (e) { console.error(e); }
}

function render() {
  const t0 = performance.now();
  renderBody();
  model.renderMs = Math.round((performance.now() - t0) * 10) / 10;
}
function renderBody() {
  renderCount++;
  const v = view();
  const scope = scopeOrgs();
  const now = serverNow();
  const orgList = [...v.orgs.values()].filter(o => !scope || scope.has(String(o.id)));
  const orgIds = orgList.map(o => String(o.id));
  const inOrgs = (x) => !scope || scope.has(String(x.org));
  // the queue view narrows to one queue and its agents (an agent lists its queues' ids)
  const inScope = !nav.queue ? inOrgs : (x) => inOrgs(x)
    && (Array.isArray(x.queues) ? x.queues.includes(nav.queue) : String(x.id) === nav.queue);

  // body hooks
  const bd = document.body.dataset;
  bd.conn = model.conn;
  bd.connected = String(model.connected);
  bd.scope = scope ? 'org' : 'global';
  bd.orgs = orgIds.join(',');
  bd.topics = [...model.topics.values()].map(t => t.name + ':' + t.status).join(',');
  bd.renders = String(renderCount);
  bd.view = viewName();
  bd.agent = nav.agent || '';
  bd.kiosk = nav.kiosk ? '1' : '0';
  bd.trends = trends.state;

  if (dirty.header || dirty.tick) { renderHeader(v, scope, orgList, now, inScope); renderCrumbs(v, orgList); }
  // the journeys view hides the board: its parts wait (leaving the view marks everything dirty: nav.js)
  const board = bd.view !== 'journeys';
  if (board && (dirty.orgs || dirty.tick)) renderOrgs(v, orgList, now, inScope);
  if (board && (dirty.queues || dirty.tick)) { renderQueues(v, orgList, now, inScope); renderQueueView(v, now); pageQueues(); }
  if (board && (dirty.util || dirty.orgs)) { renderUtilization(v, orgList); renderQuality(v, orgList); }
  if (board) renderSpeech(v, orgList); // its own dirty flag (speech.js)
  if (board) renderSpeechText(v, orgList); // its own dirty flag and pace (speechtext.js)
  renderJourneys(); // its own dirty flag and pace (journeys.js)
  if (board && (dirty.agents || dirty.agentSet || dirty.orgs)) renderHeat(v, orgList, inScope);
  if (dirty.meta || dirty.tick) renderMeta(now);
  if (nav.agent || !$('agent-panel').hidden) renderAgentPanel(v, now);
  if (hoverId) renderTooltip(v, now);
  for (const k in dirty) dirty[k] = false;
}

const UNDEFINED_OCC = 'Occupancy is undefined here: no productive time in this window yet (handling ÷ productive needs productive time).';
function setFig(id, value, opts) {
  const box = $(id);
  const val = box.querySelector('.fig-val');
  setText(val, value);
  if (opts && 'band' in opts) setAttr(box, 'title', value === '—' ? UNDEFINED_OCC : '');
  if (opts && opts.band != null) setAttr(box, 'data-band', opts.band);
  if (opts && opts.level != null) setAttr(box, 'data-level', opts.level);
}

function renderHeader(v, scope, orgList, now, inScope) {
  const src = (scope && orgList.length === 1 && orgList[0].occupancy)
    ? ticked(orgList[0], now, String(orgList[0].status || '').toLowerCase())
    : tickedTotals(v, v.occupancy, now);
  const occ = (src && src.occupancy) ? src.occupancy : (src || {});
  const thr = (src && src.thresholds) || (orgList[0] && orgList[0].thresholds) || null;
  setFig('g-today', pct(occ.today), { band: occBand(occ.today, thr) });
  setFig('g-15', pct(occ.rolling15m), { band: occBand(occ.rolling15m, thr) });
  setFig('g-60', pct(occ.rolling60m), { band: occBand(occ.rolling60m, thr) });
  renderHeaderTrend(scope, orgList, thr);
  // service level: the global totals, the one org, or Σ over the orgs in scope (never a mean of ratios)
  const svc = !scope ? v.occupancy : orgList.length === 1 ? orgList[0] : sumService(orgList);
  const slw = slWindow(thr), sx = serviceOf(svc, slw);
  setFig('k-sl', pct(sx.sl), { level: levelSL(svc, thr) });
  setText($('k-sl').querySelector('.fig-label'), 'Service level · ' + WINDOW_TEXT[slw]);
  setAttr($('k-sl'), 'title', thr && thr.serviceLevel ? 'Answered within target ÷ (answered + abandoned); goal ' + pct(thr.serviceLevel.target) : '');
  const st = serviceOf(svc, 'today');
  setFig('k-abandon', pct(st.abandonRate));
  // The global totals leave out orgs that are not live, and say so (their state is unknown).
  const leftOut = (!scope && v.occupancy && Array.isArray(v.occupancy.leftOut)) ? v.occupancy.leftOut : [];
  const leftNames = leftOut.map(id => { const o = v.orgs.get(String(id)); return o ? (o.name || o.id) : id; });
  setText($('occ-title'), scope ? (orgList.length === 1 ? (orgList[0].name || orgList[0].id) + ' occupancy' : 'Occupancy')
    : 'Global occupancy' + (leftOut.length ? ' · partial, without ' + leftNames.join(', ') : ''));
  setAttr($('occ-title').closest('.global-occ'), 'data-partial', leftOut.length ? 'true' : 'false');
  setText($('scope-label'), nav.queue ? 'Queue view' : scope ? 'Org view · ' + (orgList.map(o => o.name || o.id).join(', ') || [...scope].join(', ') + ' (not in view)')
    : 'Global view · ' + orgList.length + (orgList.length === 1 ? ' org' : ' orgs'));

  let waiting = 0, longest = null, anyQ = false, worstWaiting = 'ok', worstWait = 'ok';
  for (const q of v.queues.values()) {
    if (!inScope(q)) continue;
    anyQ = true;
    waiting += num(q.waiting) || 0;
    worstWaiting = worstLevel(worstWaiting, levelWaiting(num(q.waiting) || 0, q.thresholds));
    const w = queueWait(q, now);
    worstWait = worstLevel(worstWait, levelWait(w, q.thresholds));
    if (w != null && (longest == null || w > longest)) longest = w;
  }
  // the totals take the colour of the worst queue (a sum of queues is not judged by one queue's threshold)
  setFig('k-waiting', anyQ ? String(waiting) : '—', { level: anyQ ? worstWaiting : 'none' });
  setFig('k-longest', anyQ ? (longest ? clockDur(longest) : '0:00') : '—', { level: anyQ ? worstWait : 'none' });
  // counted from the agents, not summed over queues (an agent may serve several queues)
  let onq = 0, anyA = false;
  for (const a of v.agents.values()) { if (!inScope(a)) continue; anyA = true; if (isOnQueue(a)) onq++; }
  setFig('k-agents', anyA ? String(onq) : '—');

  const conn = $('conn');
  const labels = {
    starting: 'Starting…', connecting: 'Connecting…', live: 'LIVE', reconnecting: 'RECONNECTING',
    'auth-error': 'AUTH ERROR', 'signed-out': 'SIGNED OUT',
  };
  let text = labels[model.conn] || model.conn;
  if (model.conn === 'reconnecting' && model.nextRetryAt) {
    const s = Math.max(0, Math.ceil((model.nextRetryAt - Date.now()) / 1000));
    text = s > 0 ? 'RECONNECTING · retry in ' + s + ' s' : 'RECONNECTING…';
  }
  if (model.conn === 'live' && [...model.topics.values()].some(t => t.status === 'resyncing')) text = 'LIVE · resyncing';
  // LIVE is our link to Switchboard; how many orgs are live upstream is said beside it (amber, red at 0).
  const nLive = orgList.filter(o => String(o.status || '').toLowerCase() === 'open').length;
  const orgsLive = !orgList.length ? 'all' : nLive === orgList.length ? 'all' : nLive === 0 ? 'none' : 'some';
  if (model.conn === 'live' && orgList.length) text += ' · ' + nLive + ' / ' + orgList.length + (orgList.length === 1 ? ' org live' : ' orgs live');
  setAttr(conn, 'data-orgs-live', model.conn === 'live' ? orgsLive : 'all');
  setAttr(conn, 'data-state', model.conn);
  setText(conn.querySelector('.conn-text'), text);
  const d = new Date();
  setText($('clock'), clockTime(d));
  setText($('date'), d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' }));

  // our own link to the bridge: frozen-data banner
  const bb = $('bridge-banner');
  const lost = model.conn === 'reconnecting' && model.disconnectedAt && Date.now() - model.disconnectedAt > 1500;
  if (lost) {
    bb.hidden = false;
    setText(bb, 'CONNECTION TO SWITCHBOARD LOST · figures frozen since ' + hms(model.disconnectedAt) +
      ' (' + dur(Date.now() - model.disconnectedAt) + ' ago) · reconnecting, attempt ' + model.attempt);
  } else if (!bb.hidden) bb.hidden = true;
  document.body.classList.toggle('frozen', !!lost);

  const notice = $('notice');
  if (model.notice) { notice.hidden = false; setText(notice, model.notice); } else if (!notice.hidden) notice.hidden = true;
}

// ---- org status strip ----
const orgCards = new Map();
function orgAge(o, now) {
  const t = Math.max(ts(o.lastEventAt) || 0, ts(o.lastHeartbeatAt) || 0);
  return t ? Math.max(0, now - t) : null;
}
function redAlarm(status) { return shownStatus(status) === 'disconnected'; } // stale too (common.js)
function alarmText(o, now) {
  const age = orgAge(o, now), since = ts(o._alertSince);
  return 'DISCONNECTED — ' + (age != null ? 'no heartbeat for ' + dur(age) : since ? 'since ' + hms(since) : 'no data yet');
}
function orgLocalTime(o) {
  if (!o.timezone) return null;
  try { return hm(new Date(), o.timezone); } catch (e) { return null; }
}
function makeOrgCard() {
  const c = el('article', 'org');
  const head = el('div', 'org-head');
  const name = el('div', 'org-name');
  const tz = el('div', 'org-tz');
  // a protocol: seed org's Audio Connector media region, once known (small, beside the local time)
  const audio = el('div', 'org-audio');
  audio.hidden = true;
  const pill = el('div', 'pill');
  head.append(name, tz, audio, pill);
  const banner = el('div', 'org-banner');
  banner.setAttribute('role', 'alert');
  banner.hidden = true;
  const figs = el('div', 'org-figs');
  const mk = (label) => { const f = el('div', 'fig'); f.append(el('span', 'fig-label', label), el('span', 'fig-val', '—')); figs.append(f); return f; };
  const f1 = mk('Today'), f2 = mk('15 min'), f3 = mk('60 min');
  const trend = makeTrendBox('org-trend'); // trends.js: today's sparkline, yesterday and last week
  const sl = el('div', 'org-sl');
  const foot = el('div', 'org-foot');
  const counts = el('span', 'org-counts');
  const age = el('span', 'org-age');
  foot.append(counts, age);
  // features that do not work for this org (e.g. a permission the OAuth client lacks): never an empty panel
  // without a reason
  const problems = el('div', 'org-problems');
  problems.hidden = true;
  c.append(head, banner, figs, trend.box, sl, foot, problems);
  return { c, name, tz, audio, pill, banner, f1, f2, f3, trend, sl, counts, age, problems };
}
function renderOrgs(v, orgList, now, inScope) {
  const host = $('orgs');
  const seen = new Set();
  // per-org aggregates from the queues and agents
  const agg = new Map();
  for (const o of orgList) agg.set(String(o.id), { waiting: 0, agents: 0, onq: 0 });
  for (const q of v.queues.values()) { const a = agg.get(String(q.org)); if (a) a.waiting += num(q.waiting) || 0; }
  for (const x of v.agents.values()) { const a = agg.get(String(x.org)); if (a) { a.agents++; if (isOnQueue(x)) a.onq++; } }
  orgList.forEach((o, i) => {
    const id = String(o.id);
    seen.add(id);
    let card = orgCards.get(id);
    if (!card) { card = makeOrgCard(); orgCards.set(id, card); }
    if (host.children[i] !== card.c) host.insertBefore(card.c, host.children[i] || null);
    const status = String(o.status || 'connecting').toLowerCase();
    setAttr(card.c, 'data-org', id);
    setAttr(card.c, 'data-status', status);
    if (!card.c.hasAttribute('tabindex')) { card.c.tabIndex = 0; card.c.setAttribute('role', 'link'); card.c.title = 'Open the org view'; }
    setText(card.name, o.name || id);
    const lt = orgLocalTime(o);
    setText(card.tz, lt ? lt + ' local' : '');
    const region = typeof o.audioRegion === 'string' && o.audioRegion ? o.audioRegion : '';
    card.audio.hidden = !region;
    setText(card.audio, region ? 'audio ' + region : '');
    setAttr(card.audio, 'title', region ? 'Audio Connector media region' : '');
    const red = redAlarm(status);
    setAttr(card.c, 'data-alarm', red ? 'red' : '');
    setText(card.pill, red ? 'DISCONNECTED' : status.toUpperCase());
    setAttr(card.pill, 'data-status', status);
    setAttr(card.pill, 'data-alarm', red ? 'red' : '');
    const age = orgAge(o, now);
    setAttr(card.banner, 'data-alarm', red ? 'red' : '');
    if (red) {
      card.banner.hidden = false;
      setText(card.banner, '⚠ ' + alarmText(o, now));
      setAttr(card.banner, 'data-status', status);
      setAttr(card.banner, 'title', o._alertMessage || (status === 'disconnected' ? 'Upstream connection lost; the figures are frozen.' : 'No heartbeat within the timeout; re-syncing over REST and reconnecting. The figures may be out of date.'));
    } else if (status === 'connecting') {
      card.banner.hidden = false;
      setText(card.banner, 'CONNECTING TO GENESYS…');
      setAttr(card.banner, 'data-status', status);
    } else if (!card.banner.hidden) card.banner.hidden = true;
    const occ = ticked(o, now, status).occupancy || {};
    for (const [f, w] of [[card.f1, 'today'], [card.f2, 'rolling15m'], [card.f3, 'rolling60m']]) {
      setText(f.lastChild, pct(occ[w]));
      setAttr(f, 'data-band', occBand(occ[w], o.thresholds));
      setAttr(f, 'title', occ[w] == null ? UNDEFINED_OCC : '');
    }
    renderTrendBox(card.trend, 'org:' + id, o.thresholds);
    renderServiceLine(card.sl, o, o.thresholds);
    const a = agg.get(id);
    const nAgents = num(o.agents) != null ? o.agents : a.agents;
    setText(card.counts, nAgents + ' agents · ' + a.onq + ' on queue · ' + a.waiting + ' waiting');
    // An open org whose events the bridge reads late (behindSeconds, docs/protocol.md) has fresh updates of old
    // figures: the line says how old instead of how recent.
    const behind = status === 'open' ? num(o.behindSeconds) : null;
    if (behind > 0) {
      setText(card.age, dur(behind * 1000) + ' behind');
      setAttr(card.age, 'data-level', 'warn');
      setAttr(card.age, 'title', 'The bridge reads this org\'s events ' + dur(behind * 1000) + ' after the platform sent them: the figures are that old. The bridge is short of CPU.');
    } else {
      setText(card.age, age == null ? 'no update yet' : 'updated ' + dur(age) + ' ago');
      setAttr(card.age, 'data-level', age != null && age / 1000 > AGE_WARN_S ? 'warn' : 'ok');
      setAttr(card.age, 'title', '');
    }
    setAttr(card.c, 'data-behind-s', behind > 0 ? String(behind) : '');
    setAttr(card.c, 'data-age-s', age == null ? '' : Math.round(age / 1000));
    const probs = Array.isArray(o.problems) ? o.problems : [];
    card.problems.hidden = probs.length === 0;
    setText(card.problems, probs.map(p => '⚠ ' + String(p.message || p.feature)).join('\n'));
    setAttr(card.problems, 'title', probs.map(p => String(p.message || p.feature)).join('\n'));
    setAttr(card.c, 'data-problems', probs.map(p => p.feature).join(','));
  });
  for (const [id, card] of orgCards) if (!seen.has(id)) { card.c.remove(); orgCards.delete(id); }
  // the tab title carries the worst org status too (visible on a browser tab strip or kiosk switcher)
  const bad = orgList.filter(o => redAlarm(String(o.status).toLowerCase()));
  const title = (bad.length ? '⚠ ' + bad.map(o => (o.name || o.id) + ' DISCONNECTED').join(', ') + ' — ' : '') + 'Switchboard';
  if (document.title !== title) document.title = title;
  // …and the header: one red line naming every disconnected org in scope.
  const ub = $('upstream-banner');
  if (bad.length) {
    ub.hidden = false;
    setText(ub, '⚠ ' + bad.map(o => (o.name || o.id) + ' ' + alarmText(o, now)).join(' · '));
  } else if (!ub.hidden) ub.hidden = true;
  host.dataset.count = String(orgList.length);
  fitOrgs(host, orgList.length);
  checkOrgClipping(host.children);
}

// ---- service level (docs/queues.md) ----
// "SL 84% today · 79% 60 min · 12 abandoned (3%) · ASA 0:14" on an org card, coloured by the org's thresholds.
function renderServiceLine(host, e, t) {
  const d = serviceOf(e, 'today'), w = slWindow(t), x = serviceOf(e, w);
  if (d.sl == null && d.offered == null) { setText(host, 'Service level —'); setAttr(host, 'data-level', 'none'); return; }
  const parts = ['SL ' + pct(d.sl) + ' today'];
  if (w !== 'today') parts.push(pct(x.sl) + ' ' + WINDOW_TEXT[w]);
  parts.push((d.abandoned ?? 0) + ' abandoned (' + pct(d.abandonRate) + ')', 'ASA ' + clockDur(d.asaMs));
  setText(host, parts.join(' · '));
  setAttr(host, 'data-level', levelSL(e, t));
  setAttr(host, 'title', t && t.serviceLevel ? 'Service level = answered within target ÷ (answered + abandoned); goal ' + pct(t.serviceLevel.target) : '');
}

// ---- queue tiles ----
function queueWait(q, now) {
  const since = ts(q.oldestWaitingSince);
  if (since != null) return Math.max(0, now - since);
  const w = num(q.longestWaitMs);
  if (w == null) return null;
  if (!(num(q.waiting) > 0) || w === 0) return w;
  return w + Math.max(0, now - (q._rxAt || now)); // keep ticking between updates
}
const LEVEL_TEXT = { ok: 'OK', warn: 'BUSY', crit: 'CRITICAL', unknown: 'NO DATA' };
const qSections = new Map(), qTiles = new Map();
function makeTile() {
  const t = el('div', 'qtile');
  const head = el('div', 'q-head');
  const name = el('div', 'q-name');
  const lvl = el('div', 'lvl');
  head.append(name, lvl);
  const big = el('div', 'q-big');
  const w1 = el('div', 'q-fig'); w1.append(el('span', 'fig-val', '—'), el('span', 'fig-label', 'waiting'));
  const w2 = el('div', 'q-fig'); w2.append(el('span', 'fig-val', '—'), el('span', 'fig-label', 'longest'));
  big.append(w1, w2);
  const w3 = el('div', 'q-fig q-occ'); w3.append(el('span', 'fig-val', '—'), el('span', 'fig-label', 'occ'));
  big.append(w3);
  const svc = el('div', 'q-svc');
  const sl = el('span', 'q-sl'), ab = el('span', 'q-ab'), asa = el('span', 'q-asa');
  svc.append(sl, ab, asa);
  // today's counts, and the 2-hour sparkline at the end of the line (trends.js)
  const small = el('div', 'q-small');
  const smallText = el('span', 'q-small-text');
  const spark = makeSpark('q-spark');
  small.append(smallText, spark);
  t.append(head, big, svc, small);
  return { t, name, lvl, w1, w2, w3, svc, sl, ab, asa, small, smallText, spark };
}
function renderQueues(v, orgList, now, inScope) {
  const host = $('queues');
  const byOrg = new Map();
  for (const o of orgList) byOrg.set(String(o.id), []);
  for (const q of v.queues.values()) {
    if (!inScope(q)) continue;
    const k = String(q.org);
    if (!byOrg.has(k)) byOrg.set(k, []);
    byOrg.get(k).push(q);
  }
  const seenS = new Set(), seenT = new Set();
  let si = 0;
  for (const [orgId, qs] of byOrg) {
    if (!qs.length) continue;
    seenS.add(orgId);
    let sec = qSections.get(orgId);
    if (!sec) {
      const s = el('section', 'qorg');
      const h = el('h3', 'qorg-head');
      const hn = el('span', 'qorg-name'); const hp = el('span', 'pill small'); const hs = el('span', 'qorg-sum');
      h.append(hn, hp, hs);
      const grid = el('div', 'qgrid');
      s.append(h, grid);
      sec = { s, hn, hp, hs, grid };
      qSections.set(orgId, sec);
    }
    if (host.children[si] !== sec.s) host.insertBefore(sec.s, host.children[si] || null);
    si++;
    const org = v.orgs.get(orgId) || {};
    const st = String(org.status || 'connecting').toLowerCase();
    setAttr(sec.s, 'data-org', orgId);
    setAttr(sec.s, 'data-status', st);
    setText(sec.hn, org.name || orgId);
    setText(sec.hp, shownStatus(st).toUpperCase()); setAttr(sec.hp, 'data-status', st);
    setAttr(sec.hp, 'data-alarm', redAlarm(st) ? 'red' : '');
    let tw = 0; for (const q of qs) tw += num(q.waiting) || 0;
    setText(sec.hs, qs.length + (qs.length === 1 ? ' queue · ' : ' queues · ') + tw + ' waiting');
    qs.sort((a, b) => String(a.name || a.id).localeCompare(String(b.name || b.id)));
    qs.forEach((q, i) => {
      const id = String(q.id);
      seenT.add(id);
      let tile = qTiles.get(id);
      if (!tile) { tile = makeTile(); qTiles.set(id, tile); }
      if (sec.grid.children[i] !== tile.t) sec.grid.insertBefore(tile.t, sec.grid.children[i] || null);
      const waiting = num(q.waiting);
      const wait = queueWait(q, now);
      const t = q.thresholds;
      const lw = waiting == null ? 'ok' : levelWaiting(waiting, t);
      const lt = (waiting === 0 && q.oldestWaitingSince == null) ? 'ok' : levelWait(wait, t);
      const occ = q.occupancy || {};
      const qo = occ.rolling15m !== undefined ? occ.rolling15m : occ.today;
      const band = occBand(qo, t);
      const lsl = levelSL(q, t);
      // the badge takes every threshold into account: waiting, longest wait, service level, occupancy band
      // an org that is not live has no current queue state: its badges say so in grey, never a green OK
      const level = st !== 'open' ? 'unknown' : worstLevel(lw, lt, lsl, levelBand(band));
      setAttr(tile.t, 'data-queue', id);
      setAttr(tile.t, 'data-level', level);
      setText(tile.name, q.name || id);
      setAttr(tile.name, 'title', q.name || id);
      setText(tile.lvl, LEVEL_TEXT[level]);
      setAttr(tile.lvl, 'data-level', level);
      setText(tile.w1.firstChild, waiting == null ? '—' : String(waiting));
      setAttr(tile.w1, 'data-level', lw);
      setText(tile.w2.firstChild, waiting === 0 && q.oldestWaitingSince == null ? '0:00' : clockDur(wait));
      setAttr(tile.w2, 'data-level', lt);
      setText(tile.w3.firstChild, pct(qo));
      setAttr(tile.w3, 'data-band', band);
      const slw = slWindow(t), x = serviceOf(q, slw), d = serviceOf(q, 'today');
      const target = q.serviceLevelTarget;
      setText(tile.sl, 'SL ' + pct(x.sl) + (t && t.serviceLevel ? '/' + pct(t.serviceLevel.target) : ''));
      setAttr(tile.sl, 'data-level', lsl);
      setAttr(tile.sl, 'title', 'Service level, ' + WINDOW_TEXT[slw] + ': answered within '
        + (target ? Math.round(target.durationMs / 1000) + ' s' : 'target') + ' ÷ (answered + abandoned)'
        + (t && t.serviceLevel ? '; goal ' + pct(t.serviceLevel.target) : ''));
      setText(tile.ab, 'Abd ' + pct(d.abandonRate));
      setAttr(tile.ab, 'title', 'Abandoned ÷ offered, today');
      setText(tile.asa, 'ASA ' + clockDur(d.asaMs));
      setAttr(tile.asa, 'title', 'Average speed of answer, today');
      const live = (num(q.interacting) ?? '—') + ' interacting · ' + (num(q.onQueueAgents) ?? '—') + ' on queue';
      setText(tile.smallText, d.offered == null ? live : 'today ' + d.offered + ' in · ' + d.answered + ' ans · ' + d.abandoned + ' abd');
      renderQueueSpark(tile.spark, 'queue:' + id);
      setAttr(tile.small, 'title', d.offered == null ? '' : 'Today: ' + d.offered + ' offered, ' + d.answered + ' answered, '
        + d.abandoned + ' abandoned · ' + live);
    });
  }
  for (const [id, sec] of qSections) if (!seenS.has(id)) { sec.s.remove(); qSections.delete(id); }
  for (const [id, tile] of qTiles) if (!seenT.has(id)) { tile.t.remove(); qTiles.delete(id); }
  host.dataset.count = String(seenT.size);
  if (!seenT.size) {
    if (!host._empty) { host._empty = el('div', 'empty', 'No queues yet'); }
    if (!host._empty.parentNode) host.append(host._empty);
  } else if (host._empty && host._empty.parentNode) host._empty.remove();
}

// ---- footer ----
function renderMeta(now) {
  const al = $('alerts');
  al.textContent = '';
  for (const a of model.alerts) {
    const s = el('span', 'alert');
    s.dataset.kind = a.kind || '';
    const msg = String(a.message || a.kind || '');
    const org = a.org && !msg.toLowerCase().includes(String(a.org).toLowerCase()) ? (a.org.toUpperCase() + ' ') : '';
    s.textContent = hms(a.at) + ' ' + org + msg;
    al.append(s);
  }
  const parts = [];
  for (const t of model.topics.values()) parts.push(t.name + (t.seq != null ? ' #' + t.seq : '') + (t.status !== 'live' ? ' (' + t.status + ')' : ''));
  if (model.rtt != null) parts.push('rtt ' + model.rtt + ' ms');
  if (model.lastDataAt) parts.push('last data ' + dur(Date.now() - model.lastDataAt) + ' ago');
  setText($('meta'), parts.join(' · '));
}
