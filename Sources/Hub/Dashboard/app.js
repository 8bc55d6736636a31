// Switchboard master dashboard. Plain JS, no build step, no dependencies.
// Model: WebSocket messages update per-topic stores and set dirty flags; they never touch the DOM.
// View: one render per animation frame at most (requestAnimationFrame), reading the stores.
// Scripts (index.html loads them in this order): common.js (tunables, helpers), model.js (stores),
// stream.js (WebSocket client), family.js (the stores of the topic families: speech, speech text, journeys), render.js (header, orgs, queues), heatmap.js (heatmap, tooltip),
// trends.js (sparklines from /v1/history), speech.js and speechtext.js (the speech topics), journeys.js (the journeys topics), app.js (this file: token and topic selection, sign-in panel,
// wiring, start).
'use strict';

// ---- configuration from the page URL ------------------------------------------------------
const query = new URLSearchParams(location.search);
const hashQ = new URLSearchParams(location.hash.replace(/^#/, ''));

function takeToken() {
  let t = query.get('token') || hashQ.get('token') || query.get('access_token') || hashQ.get('access_token');
  if (t) {
    storageSet(TOKEN_KEY, t);
    // keep the token out of the visible address bar on a wall screen
    try {
      const u = new URL(location.href);
      u.searchParams.delete('token'); u.searchParams.delete('access_token');
      const h = new URLSearchParams(u.hash.replace(/^#/, ''));
      h.delete('token'); h.delete('access_token');
      u.hash = h.toString();
      history.replaceState(null, '', u.pathname + u.search + (u.hash && u.hash !== '#' ? u.hash : ''));
    } catch (e) { /* ignore */ }
    return t;
  }
  return storageGet(TOKEN_KEY);
}

function requestedTopics() {
  const list = [];
  for (const v of query.getAll('topic').concat(hashQ.getAll('topic'))) {
    for (const p of v.split(',')) if (p.trim()) list.push(p.trim());
  }
  for (const v of query.getAll('org').concat(hashQ.getAll('org'))) {
    for (const p of v.split(',')) if (p.trim()) list.push('org:' + p.trim());
  }
  return [...new Set(list)];
}

function storageGet(k) { try { return sessionStorage.getItem(k); } catch (e) { return null; } }
function storageSet(k, v) { try { if (v == null) sessionStorage.removeItem(k); else sessionStorage.setItem(k, v); } catch (e) { /* private mode */ } }

// ---- sign-in -------------------------------------------------------------------------------
function showSignin(err) {
  if (!model.token) model.conn = 'signed-out';
  $('signin').hidden = false;
  $('signin-error').textContent = err || '';
  const input = $('token-input');
  input.value = '';
  setTimeout(() => input.focus(), 0);
  document.body.dataset.conn = model.conn;
}

function startWithTopics() {
  const req = requestedTopics();
  model.explicitTopics = req.length > 0;
  model.topics.clear();
  for (const n of (req.length ? req : ['global'])) model.topics.set(n, topicState(n));
  model.attempt = 0;
  model.notice = null;
  resetTrends(); familiesReset(); speech.open = null;
  markAll();
  connect();
  for (const t of model.topics.values()) prefetch(t);
  loadAbout();
}

// What this bridge is and what this token reads (GET /v1/about): the demo says its day is simulated, on
// screen; and a screen opened without ?topic= follows the token's own topics (an org-scoped token gets
// its org:<id> topics instead of a refused `global`).
function loadAbout() {
  if (!model.token) return;
  const token = model.token;
  model.aboutTopics = 'pending';
  fetch('/v1/about', { headers: { Authorization: 'Bearer ' + token } })
    .then(r => r.ok ? r.json() : null)
    .then(j => {
      if (model.token !== token) return;
      const box = $('about');
      const n = j && typeof j.notice === 'string' ? j.notice : '';
      box.hidden = !n;
      setText(box, n);
      setAttr(box, 'title', n); // the footer may cut a long notice short
      model.aboutTopics = j && Array.isArray(j.topics) ? j.topics.map(String) : null;
      followTokenTopics();
    })
    .catch(() => { if (model.token === token) { model.aboutTopics = null; followTokenTopics(); } });
}

// Without ?topic=, show what the token reads: its topics from /v1/about once known. Called when they
// arrive and when the stream refuses `global`; until both are known nothing is guessed.
function followTokenTopics() {
  if (model.explicitTopics || model.aboutTopics === 'pending') return;
  const g = model.topics.get('global');
  const refused = g && g.status === 'forbidden';
  const want = model.aboutTopics;
  if (want && want.length && !want.includes('global')) {
    model.notice = null;
    setTopics(want);
  } else if (want && want.length === 0) {
    model.notice = 'This token reads no org (it holds only admin or metrics scopes). Sign in with a token that has global or org:<id>.';
    markAll();
  } else if (refused) {
    model.notice = 'This token sees only some orgs. Add ?topic=org:<id> to the address, for example ?topic=org:emea.';
    markAll();
  }
}

// ---- wiring --------------------------------------------------------------------------------
$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = $('token-input').value.trim();
  if (!v) return;
  model.token = v;
  storageSet(TOKEN_KEY, v);
  $('signin').hidden = true;
  startWithTopics();
});
$('signout').addEventListener('click', () => {
  storageSet(TOKEN_KEY, null);
  model.token = null;
  closeStream();
  model.connected = false; model.conn = 'signed-out';
  model.topics.clear();
  resetTrends(); familiesReset(); speech.open = null;
  markAll(); scheduleRender();
  showSignin('');
});
setInterval(() => { dirty.tick = true; scheduleRender(); trendsTick(); familiesSync(false); jrnTick(); }, 1000);
if (window.ResizeObserver) {
  new ResizeObserver(onHeatResize).observe(heatWrap);
  // the queue panel and the org strip change size when a banner, a strip or a row of cards comes or goes:
  // lay the queue pages out again and re-check the cards in the next frame, not at the next tick
  const refit = new ResizeObserver(() => { dirty.queues = true; dirty.orgs = true; scheduleRender(); });
  refit.observe($('queues'));
  refit.observe($('orgs'));
}
window.addEventListener('resize', onHeatResize);
window.addEventListener('resize', () => { dirty.queues = true; dirty.orgs = true; stt.dirty = true; jrn.dirty = true; scheduleRender(); });
canvasEl.addEventListener('mousemove', onHeatMouseMove);
canvasEl.addEventListener('mouseleave', onHeatMouseLeave);
canvasEl.addEventListener('click', onHeatClick);
$('size-switch').addEventListener('click', onSizeSwitchClick);
// navigation (nav.js): org cards, queue tiles, agent rows and chips, breadcrumbs; Enter/Space on focus too
for (const id of ['orgs', 'queues', 'queue-view', 'quality', 'speech', 'speechtext', 'crumbs', 'agent-panel', 'jrn-open']) {
  $(id).addEventListener('click', activate);
  $(id).addEventListener('keydown', activate);
}
$('quality').addEventListener('click', onQualityClick);
$('speech').addEventListener('click', onSpeechClick);
$('agent-panel').addEventListener('click', onDrillClick);
$('ap-close').addEventListener('click', closeAgent);
$('journeys').addEventListener('click', onJourneysClick);
$('jrn-form').addEventListener('submit', onJourneysSearch);
$('q-pager').addEventListener('click', onPagerClick);
document.addEventListener('keydown', (e) => {
  if (e.target.closest && e.target.closest('input, textarea')) return;
  if (e.key === 'Escape' && nav.agent) closeAgent();
  else if (e.key === 'PageDown') goQueuePage(qPage + 1);
  else if (e.key === 'PageUp') goQueuePage(qPage - 1);
});

// ---- test / debugging hook ----
window.switchboard = {
  get state() { return view(); },
  get connected() { return model.connected; },
  get topics() { const o = {}; for (const t of model.topics.values()) o[t.name] = { status: t.status, epoch: t.epoch, seq: t.seq }; return o; },
  get model() { return model; },
  get renders() { return renderCount; },
  _heat: heat,
  reconnect() { if (ws) { try { ws.close(); } catch (e) { /* ignore */ } } },
  // the thresholds the global figures are judged by, as the stream carries them (queues and orgs carry their own)
  get thresholds() { const v = view(); return (v.occupancy && v.occupancy.thresholds) || null; },
  get nav() { return Object.assign({ view: viewName() }, nav); },
  get queuePages() { return { page: qPage, pages: qPages }; },
  get trends() { return { state: trends.state, series: Object.fromEntries(trends.series) }; },
  get speechtext() { return sttView(); },
  speechTextAt(topic, seq, ms) { return sttCaptureAt(topic, seq, ms); },
  get journeys() { return { renders: jrn.renders, renderLog: jrn.renderLog.slice(), messages: jrn.messages, topics: jrnView().topics, search: jrn.search && jrn.search.status }; },
  journeysAt(topic, seq, ms) { return jrnCaptureAt(topic, seq, ms); },
  queuePage(p) { goQueuePage(p); return qPage; },
};

// ---- start ----
model.token = takeToken();
if (!model.token) { model.conn = 'signed-out'; showSignin(''); scheduleRender(); }
else startWithTopics();
