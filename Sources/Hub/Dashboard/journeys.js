// Switchboard dashboard — customer journeys (docs/dashboard.md "Journeys"; docs/protocol.md "Journey topics";
// docs/journeys.md). The `journeys:global` / `journeys:<org>` topics follow the board's own topics on the same
// socket, as the speech-text strip's do (global → journeys:global, org:X → journeys:X), into a store of their own
// (family.js).
// The board shows a compact summary in the footer (open journeys, a link); the journeys view (?view=journeys)
// shows (a) a swimlane timeline per journey — lanes voice, chat, message, email, callback; each contact a bar
// from its start to its end (an open one grows), transfers marked at the contact's end, the state and the
// closing reason — most recently active first, as many rows as fit and "+N more"; (b) the path summary: open and
// closed journeys per path (voice→chat→email) from the topics' `totals`; (c) a search by customer
// (GET /v1/journeys?org=&customer=) whose answer is drawn as the same swimlanes. Customer keys are shown as the
// bridge sends them (a salted hash or a masked key by default). Messages only mark the store dirty; the view is
// rendered at most every JRN_RENDER_MS, and only rows whose markup changed are replaced. Times are 24-hour in the
// journey's org's time zone.
// Test hooks: #journeys data-topics data-orgs data-journeys (journeys in the list) data-shown data-more data-renders
// data-search; rows .jrn-row data-journey data-org data-customer data-state data-reason data-contacts
// ("conversationId:media,…" in order) data-search (a search result); bars .jrn-bar data-conv data-media
// data-transfers data-open; path rows .jrn-path data-path data-open data-closed; #jrn-open (footer) data-open;
// window.switchboard.journeys (renders, renderLog, messages), .journeysAt(topic, seq, ms).
'use strict';

const JRN_RENDER_MS = 500;          // at most two renders a second, however many deltas arrive (the seed's rule)
const JRN_MAX_ROWS = 60;            // rows laid out; those below the list's height are hidden and counted
const JRN_MAX_PATHS = 16;           // path rows in the summary; the rest are counted
const JRN_MEDIA = ['voice', 'chat', 'message', 'email', 'callback'];

const jrn = { dirty: true, lastRender: 0, timer: null, version: 0, cache: null, cacheVersion: -1,
  renders: 0, renderLog: [], messages: 0, captures: [], search: null, several: false };
// the journeys:<org> / journeys:global stores (family.js)
jrn.family = topicFamily('journeys', ['journeys', 'queues', 'orgs'], (t) => {
  if (t) jrn.messages++;
  jrnChanged();
  if (t && jrn.captures.length) jrnCaptureCheck(t);
});
jrn.topics = jrn.family.topics;
function jrnChanged() { jrn.version++; jrn.dirty = true; scheduleRender(); }

// Every second: open bars grow with the clock, so the view is drawn again (at its own pace) while it is shown.
function jrnTick() { if (viewName() === 'journeys') { jrn.dirty = true; scheduleRender(); } }
// A new token or sign-out (the topics' stores are reset by familiesReset).
function jrnReset() { jrn.search = null; jrnChanged(); }

// The merged model of every live journeys topic (usually one), rebuilt only after a message.
function jrnView() {
  if (jrn.cache && jrn.cacheVersion === jrn.version) return jrn.cache;
  const v = { journeys: new Map(), orgs: new Map(), totals: [], topics: [] };
  for (const t of jrn.topics.values()) {
    if (t.status !== 'live') continue;
    v.topics.push(t.name);
    for (const [id, e] of t.journeys) v.journeys.set(id, e);
    for (const [id, e] of t.orgs) v.orgs.set(id, e);
    if (t.totals) v.totals.push(t.totals);
  }
  jrn.cache = v; jrn.cacheVersion = jrn.version;
  return v;
}

// Open and closed journeys per path, summed over the topics' totals (one per topic: the org's, or every org's).
function jrnPaths(jv) {
  const paths = new Map();
  let open = 0, closed = 0;
  const add = (map, k) => {
    if (!map || typeof map !== 'object') return;
    for (const p of Object.keys(map)) {
      const n = num(map[p]) || 0;
      const e = paths.get(p) || { path: p, open: 0, closed: 0 };
      e[k] += n;
      paths.set(p, e);
    }
  };
  for (const t of jv.totals) {
    add(t.activeByPath, 'open'); add(t.closedByPath, 'closed');
    open += num(t.active) || 0; closed += num(t.closed) || 0;
  }
  const list = [...paths.values()].sort((a, b) => (b.open + b.closed) - (a.open + a.closed) || (a.path < b.path ? -1 : 1));
  return { list, open, closed };
}

// ---- formatting ----
function jrnZone(org) {
  const o = view().orgs.get(String(org));
  return o && o.timezone ? o.timezone : undefined;
}
function jrnTime(t, zone, seconds) {
  if (num(t) == null) return '—';
  try { return clockTime(t, { seconds: !!seconds, timeZone: zone }); } catch (e) { return clockTime(t, { seconds: !!seconds }); }
}
function jrnOrgName(id) { const o = view().orgs.get(String(id)); return o ? (o.name || o.id) : String(id); }
function jrnShort(id) { return id ? String(id).split('/').pop().slice(0, 8) : ''; }
function jrnNames(map, ids) { return (ids || []).map(id => { const e = map.get(String(id)); return e && e.name ? e.name : jrnShort(id); }).join(', '); }
const JRN_REASON = { completed: 'completed', timeout: 'no disposition', abandonedAtTimeout: 'abandoned (timeout)' };

// Newest activity first, then the newer journey.
function jrnOrder(a, b) { return (num(b.lastActivityAt) || 0) - (num(a.lastActivityAt) || 0) || (num(b.openedAt) || 0) - (num(a.openedAt) || 0); }

// One journey's swimlanes: a row keyed by the journey id.
function jrnRow(j, now, search) {
  const zone = jrnZone(j.org), bv = view();
  const contacts = Array.isArray(j.contacts) ? j.contacts : [];
  const start = num(j.openedAt) != null ? j.openedAt : (contacts[0] && num(contacts[0].startedAt)) || now;
  let end = num(j.closedAt) != null ? j.closedAt : Math.max(now, num(j.lastActivityAt) || 0);
  for (const c of contacts) end = Math.max(end, num(c.endedAt) != null ? c.endedAt : (num(j.closedAt) != null ? j.closedAt : now));
  const span = Math.max(1000, end - start);
  const pos = (t) => Math.max(0, Math.min(100, (t - start) / span * 100));
  const lanes = JRN_MEDIA.map(m => ({ m, bars: [] }));
  for (const c of contacts) {
    const lane = lanes.find(l => l.m === c.media) || lanes[0];
    const s = num(c.startedAt) != null ? c.startedAt : start;
    const open = num(c.endedAt) == null;
    const e = open ? (num(j.closedAt) != null ? j.closedAt : now) : c.endedAt;
    const l = pos(s), w = Math.max(0.8, pos(e) - l);
    const xf = num(c.transfers) || 0;
    const title = `${c.media} ${jrnTime(s, zone, true)}–${open ? (j.state === 'CLOSED' ? 'never ended' : 'now') : jrnTime(e, zone, true)}`
      + (c.queues && c.queues.length ? ' · queue ' + jrnNames(bv.queues, c.queues) : '')
      + (c.agents && c.agents.length ? ' · agent ' + jrnNames(bv.agents, c.agents) : '')
      + (xf ? ` · ${xf} transfer${xf > 1 ? 's' : ''}` : '') + (c.timedOut ? ' · timed out' : '')
      + (c.dispositioned ? ' · dispositioned' : '');
    lane.bars.push(`<i class="jrn-bar m-${escapeAttr(c.media)}${open ? ' open' : ''}${c.timedOut ? ' tout' : ''}" data-conv="${escapeAttr(c.conversationId)}"`
      + ` data-media="${escapeAttr(c.media)}" data-transfers="${xf}" data-open="${open ? 1 : 0}" data-l="${l.toFixed(2)}" data-w="${w.toFixed(2)}" title="${escapeAttr(title)}"></i>`
      + (xf ? `<b class="jrn-xf" data-l="${Math.min(100, l + w).toFixed(2)}" title="${xf} transfer${xf > 1 ? 's' : ''}">⇄${xf > 1 ? xf : ''}</b>` : ''));
  }
  const state = String(j.state || ''), reason = j.closedReason ? String(j.closedReason) : '';
  const closedAt = num(j.closedAt);
  const html = `<span class="jrn-who"><span class="jrn-cust" title="customer key as ${escapeAttr(jrnOrgName(j.org))} shows it">${escapeAttr(j.customer || '—')}</span>`
    + `<span class="jrn-o">${escapeAttr(jrnOrgName(j.org))} · ${escapeAttr((Array.isArray(j.path) ? j.path : []).join('→') || '—')}</span></span>`
    + `<span class="jrn-st"><span class="jrn-state s-${escapeAttr(state.toLowerCase())}">${escapeAttr(state)}</span>`
    + `<span class="jrn-reason r-${escapeAttr(reason)}">${escapeAttr(reason ? JRN_REASON[reason] || reason : (num(j.channelSwitches) ? j.channelSwitches + ' switch' + (j.channelSwitches > 1 ? 'es' : '') : ''))}</span></span>`
    + `<span class="jrn-track">${lanes.map(l => `<span class="jrn-lane" data-media="${l.m}">${l.bars.join('')}</span>`).join('')}</span>`
    + `<span class="jrn-when">${jrnTime(start, zone)}–${closedAt != null ? jrnTime(closedAt, zone) : 'now'}<small>${dur(span)}</small></span>`;
  const attrs = { 'data-journey': String(j.id), 'data-org': String(j.org), 'data-customer': String(j.customer || ''), 'data-state': state,
    'data-reason': reason, 'data-contacts': contacts.map(c => c.conversationId + ':' + c.media).join(',') };
  if (search) attrs['data-search'] = '1';
  return { key: String(j.id), cls: 'jrn-row' + (state === 'CLOSED' ? ' closed' : ''), html, attrs };
}

// Bars and transfer marks placed through the CSSOM: the page's CSP allows no inline style attributes.
function jrnPlace(box) {
  for (const b of box.querySelectorAll('[data-l]')) {
    const k = b.dataset.l + '|' + (b.dataset.w || '');
    if (b._lw === k) continue;
    b._lw = k;
    b.style.left = b.dataset.l + '%';
    if (b.dataset.w) b.style.width = b.dataset.w + '%';
  }
}

// Rows beyond the list's height are hidden and counted; returns how many are shown.
function jrnFit(list) {
  const rows = [...list.children].filter(r => r._key);
  for (const r of rows) r.hidden = false;
  const limit = list.clientHeight;
  let shown = 0;
  for (const r of rows) { if (r.offsetTop + r.offsetHeight > limit + 1) r.hidden = true; else shown++; }
  return shown;
}

// ---- the footer's summary (board) and the view ----
function renderJourneys() {
  const host = $('journeys'), link = $('jrn-open');
  if (!host || !link) return;
  const on = viewName() === 'journeys';
  const key = (on ? 'on|' : 'off|') + innerWidth + 'x' + innerHeight + '|' + jrn.several + '|' + (jrn.search ? jrn.search.key + jrn.search.status : '');
  if (!jrn.dirty && host._key === key) return;
  const wait = jrn.lastRender + JRN_RENDER_MS - Date.now();
  if (wait > 0 && host._key === key) { // batch: the next render takes every message that arrived meanwhile
    if (!jrn.timer) jrn.timer = setTimeout(() => { jrn.timer = null; scheduleRender(); }, wait);
    return;
  }
  jrn.dirty = false; jrn.lastRender = Date.now(); host._key = key;
  const jv = jrnView(), paths = jrnPaths(jv);
  const has = jv.orgs.size > 0;
  link.hidden = !has || on;
  if (has) {
    setText(link, `Journeys · ${paths.open} open`);
    setAttr(link, 'data-open', paths.open);
    setAttr(link, 'title', `Customer journeys: ${paths.open} open, ${paths.closed} closed since the bridge started — open the journeys view`);
  }
  host.hidden = !on;
  if (!on) return;
  jrn.renders++;
  jrn.renderLog.push(jrn.lastRender);
  if (jrn.renderLog.length > 400) jrn.renderLog.splice(0, jrn.renderLog.length - 400);
  setAttr(host, 'data-renders', jrn.renders);
  setAttr(host, 'data-topics', jv.topics.join(','));
  setAttr(host, 'data-orgs', [...jv.orgs.keys()].sort().join(','));
  const now = serverNow();
  // the search box's org list
  const sel = $('jrn-org'), ids = [...jv.orgs.keys()].sort(), optKey = ids.join(',');
  if (sel._key !== optKey) {
    const keep = sel.value;
    sel._key = optKey;
    sel.textContent = '';
    for (const id of ids) { const o = el('option', null, jrnOrgName(id)); o.value = id; sel.append(o); }
    if (ids.includes(keep)) sel.value = keep;
  }
  sel.hidden = ids.length < 2;
  // (a) the live list, or (c) the search's answer
  const list = $('jrn-list'), results = $('jrn-results'), s = jrn.search;
  let all = [...jv.journeys.values()];
  if (jrn.several) all = all.filter(j => Array.isArray(j.contacts) && j.contacts.length > 1);
  all.sort(jrnOrder);
  setAttr(host, 'data-journeys', all.length);
  setAttr(host, 'data-search', s ? s.status : '');
  results.hidden = !s;
  list.hidden = !!s;
  let shown = 0, total = 0;
  if (s) {
    const head = s.status === 'pending' ? `Searching ${escapeAttr(s.customer)} in ${escapeAttr(jrnOrgName(s.org))}…`
      : s.status === 'error' ? `<b class="qcrit">${escapeAttr(s.message)}</b>`
      : `<b>${s.journeys.length}</b> journey${s.journeys.length === 1 ? '' : 's'} of <b>${escapeAttr(s.customer)}</b> in ${escapeAttr(jrnOrgName(s.org))}, newest first`;
    const h = results.querySelector('.jrn-rhead');
    if (h._html !== head) { h._html = head; h.querySelector('span').innerHTML = head; }
    const box = results.querySelector('.jrn-rlist');
    syncRows(box, (s.journeys || []).slice(0, JRN_MAX_ROWS).map(j => jrnRow(j, now, true)));
    jrnPlace(box);
    total = (s.journeys || []).length;
    shown = jrnFit(box);
  } else {
    syncRows(list, all.slice(0, JRN_MAX_ROWS).map(j => jrnRow(j, now, false)));
    if (!all.length) list.innerHTML = `<div class="jrn-none">${has ? 'no journey open now' : 'no org has journeys (the orgs YAML gives an org a journeys: section)'}</div>`;
    jrnPlace(list);
    total = all.length;
    shown = jrnFit(list);
  }
  setAttr(host, 'data-shown', shown);
  setAttr(host, 'data-more', total - shown);
  setHTML($('jrn-more'), total > shown ? `+${total - shown} more` + (s ? '' : ' (older activity)') : '');
  setText($('jrn-sum'), has ? `${paths.open} open · ${paths.closed} closed since the bridge started` : '');
  // (b) the path summary
  renderJourneyPaths(paths);
}

function renderJourneyPaths(paths) {
  const host = $('jrn-paths');
  const rows = paths.list.slice(0, JRN_MAX_PATHS).map(p => ({ key: p.path, cls: 'jrn-path',
    html: `<span class="jrn-pn">${escapeAttr(p.path)}</span><span>${p.open}</span><span>${p.closed}</span>`,
    attrs: { 'data-path': p.path, 'data-open': p.open, 'data-closed': p.closed, title: `${p.path}: ${p.open} open, ${p.closed} closed` } }));
  if (!host._built) {
    host.innerHTML = '<div class="jrn-phead"><span>Path</span><span>Open</span><span>Closed</span></div><div class="jrn-plist"></div><div class="jrn-pfoot"></div>';
    host._built = true;
  }
  syncRows(host.querySelector('.jrn-plist'), rows);
  const more = paths.list.length - rows.length;
  setHTML(host.querySelector('.jrn-pfoot'), `<span>All paths</span><span>${paths.open}</span><span>${paths.closed}</span>`
    + (more > 0 ? `<small>+${more} more path${more > 1 ? 's' : ''}</small>` : ''));
  setAttr(host, 'data-paths', paths.list.length);
}

// ---- search: GET /v1/journeys?org=&customer= (what a user types; the bridge reads it with the org's rules) ----
function onJourneysSearch(e) {
  e.preventDefault();
  const q = $('jrn-q').value.trim();
  const org = $('jrn-org').value || [...jrnView().orgs.keys()].sort()[0];
  if (!q) { jrn.search = null; jrnChanged(); return; }
  if (!org) return;
  const s = { org, customer: q, status: 'pending', journeys: [], message: '', key: org + '|' + q + '|' + Date.now() };
  jrn.search = s;
  jrnChanged();
  fetch('/v1/journeys?org=' + encodeURIComponent(org) + '&customer=' + encodeURIComponent(q),
    { cache: 'no-store', headers: { Authorization: 'Bearer ' + model.token, accept: 'application/json' } })
    .then(r => r.json().catch(() => null).then(b => ({ ok: r.ok, status: r.status, b })))
    .then(({ ok, status, b }) => {
      if (jrn.search !== s) return;
      if (ok && b && Array.isArray(b.journeys)) { s.status = 'done'; s.journeys = b.journeys; }
      else { s.status = 'error'; s.message = (b && b.message) || ('the search answered HTTP ' + status); }
      jrnChanged();
    })
    .catch(() => { if (jrn.search === s) { s.status = 'error'; s.message = 'the search failed (no answer from the bridge)'; jrnChanged(); } });
}
function onJourneysClick(e) {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.id === 'jrn-clear') { jrn.search = null; $('jrn-q').value = ''; jrnChanged(); }
  else if (b.id === 'jrn-several') { jrn.several = !jrn.several; setAttr(b, 'aria-pressed', jrn.several); jrnChanged(); }
  else if (b.id === 'jrn-back') navBack({ view: null });
}

// Test hook (window.switchboard.journeysAt): the path summary as drawn when the topic's store reaches `seq`, to
// compare with GET /v1/views/<topic> of that seq. Resolves {skipped} when the page is past it, null when it is not
// reached within `ms`.
function jrnCaptureAt(topic, seq, ms) {
  return new Promise((resolve) => {
    const t = jrn.topics.get(topic);
    if (t && t.status === 'live' && t.seq === seq) { resolve(jrnCaptureNow(t)); return; }
    if (t && t.status === 'live' && t.seq > seq) { resolve({ skipped: true, seq: t.seq }); return; }
    const c = { topic, seq, resolve };
    jrn.captures.push(c);
    setTimeout(() => { const i = jrn.captures.indexOf(c); if (i >= 0) { jrn.captures.splice(i, 1); resolve(null); } }, ms || 3000);
  });
}
function jrnCaptureCheck(t) {
  for (const c of jrn.captures.slice()) {
    if (c.topic !== t.name || t.status !== 'live' || t.seq < c.seq) continue;
    jrn.captures.splice(jrn.captures.indexOf(c), 1);
    c.resolve(t.seq === c.seq ? jrnCaptureNow(t) : { skipped: true, seq: t.seq });
  }
}
function jrnCaptureNow(t) {
  jrn.dirty = true; jrn.lastRender = 0;
  renderJourneys();
  const host = $('jrn-paths'), out = { seq: t.seq, epoch: t.epoch, paths: {}, open: null, closed: null };
  for (const r of host.querySelectorAll('.jrn-path')) out.paths[r.dataset.path] = { open: Number(r.dataset.open), closed: Number(r.dataset.closed) };
  const f = host.querySelectorAll('.jrn-pfoot > span');
  if (f.length >= 3) { out.open = Number(f[1].textContent); out.closed = Number(f[2].textContent); }
  return out;
}
