// Switchboard dashboard — the stream client: WebSocket connect with the token, subscribe/resume
// per topic, epoch/seq tracking with resync on a gap, reconnect with backoff, ping and silence
// watchdog, auth failures; plus the first-paint GET /v1/views/{topic} prefetch.
// Messages go to the model (model.js); showSignin is app.js's.
'use strict';

// ---- stream client ----------------------------------------------------------------------
let ws = null, pingTimer = null, watchdogTimer = null, retryTimer = null, pingId = 0;
let openedThisAttempt = false, pendingOrder = [];

function wsURL() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return proto + '//' + location.host + '/v1/stream?access_token=' + encodeURIComponent(model.token);
}

function send(obj) {
  if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
  return false;
}

function subscribe(t, resume) {
  // patches: only the fields of an entity that changed (docs/protocol.md "Patches"); model.js applies them
  const msg = { op: 'subscribe', topic: t.name, patches: true };
  if (resume && t.epoch != null && t.seq != null) msg.since = { epoch: t.epoch, seq: t.seq };
  if (t.status !== 'live') t.status = 'pending';
  pendingOrder = pendingOrder.filter(n => n !== t.name);
  pendingOrder.push(t.name);
  send(msg);
}

function resync(t, resume) {
  // a seq gap or an epoch change on a live connection: ask again (with `since` when it can help)
  t.status = 'resyncing';
  send({ op: 'unsubscribe', topic: t.name });
  subscribe(t, resume);
  t.status = 'resyncing';
  clearTimeout(t.resyncTimer);
  t.resyncTimer = setTimeout(() => {
    if (t.status === 'resyncing') { t.epoch = null; t.seq = t.seq; send({ op: 'unsubscribe', topic: t.name }); subscribe(t, false); t.status = 'resyncing'; }
  }, RESYNC_TIMEOUT_MS);
}

function setTopics(names) {
  for (const t of model.topics.values()) {
    if (!names.includes(t.name)) { send({ op: 'unsubscribe', topic: t.name }); clearTimeout(t.resyncTimer); model.topics.delete(t.name); }
  }
  for (const n of names) {
    if (!model.topics.has(n)) {
      const t = topicState(n);
      model.topics.set(n, t);
      subscribe(t, false);
      prefetch(t);
    }
  }
  markAll(); scheduleRender();
}

function connect() {
  clearTimeout(retryTimer);
  if (!model.token) { showSignin(''); return; }
  model.conn = model.attempt === 0 ? 'connecting' : 'reconnecting';
  model.nextRetryAt = null;
  openedThisAttempt = false;
  dirty.header = true; dirty.meta = true; scheduleRender();
  let sock;
  try { sock = new WebSocket(wsURL()); } catch (e) { scheduleReconnect(); return; }
  ws = sock;
  sock.onopen = () => {
    if (ws !== sock) return;
    openedThisAttempt = true;
    model.connected = true;
    model.conn = 'live';
    model.lastMessageAt = Date.now();
    pendingOrder = [];
    for (const t of model.topics.values()) {
      if (t.status === 'forbidden' || t.status === 'unknown') continue;
      subscribe(t, true); // resume where we were (the server replays or sends a fresh snapshot)
    }
    familiesSync(true);
    clearInterval(pingTimer);
    pingTimer = setInterval(() => { if (send({ op: 'ping', id: ++pingId })) lastPingAt = Date.now(); }, PING_EVERY_MS);
    clearInterval(watchdogTimer);
    watchdogTimer = setInterval(() => {
      if (ws === sock && model.lastMessageAt && Date.now() - model.lastMessageAt > SILENCE_LIMIT_MS) {
        pushAlert({ kind: 'bridge-silent', message: 'No frames from Switchboard for ' + Math.round(SILENCE_LIMIT_MS / 1000) + ' s — reconnecting' });
        try { sock.close(4000, 'silent'); } catch (e) { /* ignore */ }
        onClosed(sock, { code: 4000 });
      }
    }, 2000);
    dirty.header = true; dirty.meta = true; scheduleRender();
  };
  sock.onmessage = (ev) => { if (ws === sock) onMessage(ev.data); };
  sock.onerror = () => { /* onclose follows */ };
  sock.onclose = (ev) => onClosed(sock, ev);
}
let lastPingAt = null;

function onClosed(sock, ev) {
  if (ws !== sock) return;
  ws = null;
  clearInterval(pingTimer); clearInterval(watchdogTimer);
  const wasConnected = model.connected;
  model.connected = false;
  if (wasConnected || model.disconnectedAt == null) model.disconnectedAt = model.disconnectedAt || Date.now();
  const code = ev && ev.code;
  if (code === 4001 || code === 4401 || code === 4003 || code === 4403 || code === 1008) {
    authFailed('The bridge refused this token' + (ev.reason ? ' (' + ev.reason + ')' : '') + '.');
    return;
  }
  if (model.conn === 'auth-error' || model.conn === 'signed-out') return;
  if (!openedThisAttempt) {
    // the handshake failed: a browser cannot see the HTTP status, so ask a plain endpoint
    probeAuth().then((status) => {
      if (status === 401 || status === 403) authFailed('Token rejected by the bridge (HTTP ' + status + ').');
      else scheduleReconnect();
    });
    return;
  }
  scheduleReconnect();
}

function probeAuth() {
  const topic = [...model.topics.keys()][0] || 'global';
  const url = '/v1/views/' + encodeURIComponent(topic) + '?access_token=' + encodeURIComponent(model.token);
  return fetch(url, { method: 'GET', cache: 'no-store' })
    .then((r) => { try { r.body && r.body.cancel(); } catch (e) { /* ignore */ } return r.status === 401 ? 401 : r.status; })
    .catch(() => 0);
}

function scheduleReconnect() {
  model.attempt += 1;
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, model.attempt - 1));
  const delay = Math.round(base / 2 + Math.random() * base / 2); // "equal jitter"
  model.conn = 'reconnecting';
  model.nextRetryAt = Date.now() + delay;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
  dirty.header = true; dirty.meta = true; scheduleRender();
}

function authFailed(msg) {
  closeStream();
  model.connected = false;
  model.conn = 'auth-error';
  dirty.header = true; scheduleRender();
  showSignin(msg);
}

// stop retrying and close the socket; `ws` is cleared first, so its close event is ignored
function closeStream() {
  clearTimeout(retryTimer);
  if (ws) { const s = ws; ws = null; try { s.close(); } catch (e) { /* ignore */ } }
}

function onMessage(raw) {
  model.lastMessageAt = Date.now();
  model.msgCount++;
  let m;
  try { m = JSON.parse(raw); } catch (e) { return; }
  if (!m || typeof m !== 'object') return;
  if (m.at) noteServerTime(m.at);
  if (familiesOnMessage(m)) return; // speech:*, speechtext:*, journeys:* have their own stores (family.js)
  const t = m.topic != null ? model.topics.get(String(m.topic)) : null;
  switch (m.type) {
    case 'snapshot': {
      if (!t) return;
      clearTimeout(t.resyncTimer);
      t.epoch = m.epoch != null ? m.epoch : null;
      t.seq = num(m.seq) != null ? m.seq : 0;
      t.status = 'live';
      t.hasData = true;
      t.lastAt = m.at || null;
      loadSnapshot(t, m.data);
      pendingOrder = pendingOrder.filter(n => n !== t.name);
      model.lastDataAt = Date.now();
      model.attempt = 0; model.disconnectedAt = null;
      trendsTick(); // the trends of what the snapshot brought, without waiting for the next tick
      break;
    }
    case 'delta': {
      if (!t || t.seq == null) return;                           // not ours, or before the snapshot
      if (m.epoch != null && t.epoch != null && m.epoch !== t.epoch) { resync(t, false); return; }
      const seq = num(m.seq);
      if (seq != null) {
        if (seq <= t.seq) return;                                  // duplicate / replay already applied
        if (seq !== t.seq + 1) { if (t.status !== 'resyncing') resync(t, true); return; }
        t.seq = seq;
      }
      // a patch for an entity we do not hold: out of step; a fresh snapshot (a resume would not bring it back)
      if (!applyChanges(t, m.changes)) { resync(t, false); return; }
      t.lastAt = m.at || t.lastAt;
      model.lastDataAt = Date.now();
      if (t.status !== 'resyncing') { model.attempt = 0; model.disconnectedAt = null; }
      break;
    }
    case 'recovered': {
      if (!t) return;
      clearTimeout(t.resyncTimer);
      const from = num(m.from);
      if (from != null && t.seq != null && from > t.seq + 1) { resync(t, false); return; } // hole the server cannot fill
      t.status = 'live';
      pendingOrder = pendingOrder.filter(n => n !== t.name);
      model.attempt = 0; model.disconnectedAt = null;
      break;
    }
    case 'unsubscribed': { // the server ended a subscription (e.g. the token's scopes shrank on a config reload)
      if (!t) return;
      if (m.reason === 'forbidden') { t.status = 'forbidden'; model.notice = 'This token no longer covers ' + t.name + '.'; markAll(); }
      break;
    }
    case 'alert': onAlert(m); break;
    case 'error': if (String(m.code) === 'unauthorized') { authFailed('The bridge revoked this token.'); return; } onError(m); break;
    case 'pong': if (lastPingAt) model.rtt = Date.now() - lastPingAt; break;
    default: break;
  }
  dirty.meta = true;
  scheduleRender();
}

function onError(m) {
  const code = String(m.code || '');
  if (code === 'token-expired') { authFailed('The token has expired. Enter a new one.'); return; }
  if (code === 'slow-consumer') {
    pushAlert({ kind: 'slow-consumer', message: 'The bridge dropped this screen as too slow; resuming.' });
    if (ws) { try { ws.close(); } catch (e) { /* ignore */ } }
    return;
  }
  if (code === 'forbidden' || code === 'unknown-topic') {
    const name = m.topic != null ? String(m.topic) : pendingOrder[0];
    const t = name && model.topics.get(name);
    if (!t) return;
    pendingOrder = pendingOrder.filter(n => n !== name);
    t.status = code === 'forbidden' ? 'forbidden' : 'unknown';
    if (name === 'global' && code === 'forbidden' && !model.explicitTopics) {
      followTokenTopics(); // the token's own topics (GET /v1/about, app.js)
    } else {
      model.notice = (code === 'forbidden' ? 'This token may not see ' : 'The bridge does not know the topic ') + name + '.';
    }
    markAll();
    return;
  }
  if (code) pushAlert({ kind: 'error', message: code + (m.message ? ': ' + m.message : '') });
}

// First paint from GET /v1/views/{topic} while the stream's snapshot is on its way. The stream
// stays the source of truth: its snapshot replaces this, and epoch/seq come only from the stream.
function prefetch(t) {
  const url = '/v1/views/' + encodeURIComponent(t.name).replace(/%3A/gi, ':') + '?access_token=' + encodeURIComponent(model.token);
  fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } })
    .then((r) => {
      if (r.status === 401) { authFailed('Token rejected by the bridge (HTTP 401).'); return null; }
      return r.ok ? r.json() : null;
    })
    .then((body) => {
      if (!body || model.topics.get(t.name) !== t || t.seq != null) return;
      const data = body.data && (body.data.orgs || body.data.agents) ? body.data : body;
      if (!data || !(data.orgs || data.agents)) return;
      if (body.at) noteServerTime(body.at);
      loadSnapshot(t, data);
      t.hasData = true;
      scheduleRender();
      trendsTick(); // the trends of what it shows, without waiting for the stream
    })
    .catch(() => { /* the stream will bring the data */ });
}
