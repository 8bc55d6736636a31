// Switchboard master dashboard. Plain JS, no build step, no dependencies.
// Model: WebSocket messages update per-topic stores and set dirty flags; they never touch the DOM.
// View: one render per animation frame at most (requestAnimationFrame), reading the stores.
'use strict';
(function () {

  // ---- thresholds and tunables (edit here) -------------------------------------------------
  const QUEUE_WAITING_WARN = 5;          // waiting > 5  → amber
  const QUEUE_WAITING_CRIT = 15;         // waiting > 15 → red
  const QUEUE_WAIT_WARN_MS = 60 * 1000;  // longest wait > 60 s  → amber
  const QUEUE_WAIT_CRIT_MS = 180 * 1000; // longest wait > 180 s → red
  const OCC_UNDER = 0.60;                // aggregate figures use the same bands as agents
  const OCC_ELEVATED = 0.80;
  const OCC_BURNOUT = 0.90;
  const AGE_WARN_S = 65;                 // "updated … ago" turns amber past the seed's 65 s watchdog
  const PING_EVERY_MS = 20 * 1000;
  const SILENCE_LIMIT_MS = 50 * 1000;    // no frame at all for this long → our own socket is a ghost: reconnect
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10 * 1000;
  const RESYNC_TIMEOUT_MS = 6 * 1000;    // a resume that brings neither `recovered` nor a snapshot → fresh snapshot
  const RELAYOUT_EVERY_MS = 4 * 1000;    // treemap geometry refresh while only sizes change (colours update every frame)
  const MAX_ALERTS = 4;
  const TOKEN_KEY = 'switchboard.token';

  const BAND_COLOUR = { under: '#e9c233', healthy: '#2fbf71', elevated: '#f07f2a', burnout: '#ef4444' };
  const NO_BAND_COLOUR = '#5a6578';
  const STATUS_COLOUR = { open: '#2fbf71', connecting: '#4ea1ff', stale: '#f5a524', disconnected: '#ef4444' };
  const NON_PRODUCTIVE = new Set(['break', 'meal', 'meeting', 'training', 'away', 'offline', 'loggedout', 'notresponding']);

  // ---- tiny helpers -------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function setText(e, t) { if (e._t !== t) { e._t = t; e.textContent = t; } }
  function setAttr(e, k, v) { const s = String(v); if (e.getAttribute(k) !== s) e.setAttribute(k, s); }
  function setClass(e, c) { if (e.className !== c) e.className = c; }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
  function ratio(v) { v = num(v); return v == null ? null : v; }
  function pct(v) { v = ratio(v); return v == null ? '—' : Math.round(v * 100) + '%'; }
  function ts(s) { if (!s) return null; const t = typeof s === 'number' ? s : Date.parse(s); return isFinite(t) ? t : null; }
  function occBand(v) {
    v = ratio(v);
    if (v == null) return 'none';
    if (v > OCC_BURNOUT) return 'burnout';
    if (v >= OCC_ELEVATED) return 'elevated';
    if (v >= OCC_UNDER) return 'healthy';
    return 'under';
  }
  function dur(ms) { // compact human duration
    ms = num(ms);
    if (ms == null) return '—';
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
    const h = Math.floor(m / 60);
    return h + 'h ' + String(m % 60).padStart(2, '0') + 'm';
  }
  function clockDur(ms) { // 2:41, 1:02:05
    ms = num(ms);
    if (ms == null) return '—';
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(r).padStart(2, '0');
  }
  function hms(t) {
    if (t == null) return '—';
    const d = new Date(t);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  }
  function norm(s) { return String(s || '').toLowerCase().replace(/[\s_-]+/g, ''); }
  function storageGet(k) { try { return sessionStorage.getItem(k); } catch (e) { return null; } }
  function storageSet(k, v) { try { if (v == null) sessionStorage.removeItem(k); else sessionStorage.setItem(k, v); } catch (e) { /* private mode */ } }

  // ---- clock: server time estimate (ages are computed against the bridge's clock) ----------
  let clockOffset = 0; // serverNow ≈ Date.now() + clockOffset
  function serverNow() { return Date.now() + clockOffset; }
  function noteServerTime(at) {
    const t = ts(at);
    if (t != null) clockOffset = t - Date.now();
  }

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

  // ---- model ------------------------------------------------------------------------------
  // One store per subscribed topic; the view merges them (usually there is exactly one).
  function emptyStore() { return { orgs: new Map(), agents: new Map(), queues: new Map(), occupancy: null }; }
  function topicState(name) {
    return { name, status: 'pending', epoch: null, seq: null, hasData: false, store: emptyStore(), resyncTimer: null, lastAt: null };
  }

  const model = {
    token: null,
    topics: new Map(),          // name → topicState
    explicitTopics: false,
    conn: 'starting',           // starting | connecting | live | reconnecting | auth-error | signed-out
    connected: false,
    lastMessageAt: null,        // client time
    lastDataAt: null,           // client time of last snapshot/delta
    disconnectedAt: null,
    attempt: 0,
    nextRetryAt: null,
    alerts: [],                 // newest first: {at, kind, org, message, since}
    notice: null,
    msgCount: 0,
    rtt: null,
  };
  const dirty = { orgs: true, agents: true, agentSet: true, queues: true, header: true, meta: true };
  function markAll() { for (const k in dirty) dirty[k] = true; }

  function kindOf(k) {
    k = String(k || '').toLowerCase();
    if (k.startsWith('agent')) return 'agents';
    if (k.startsWith('org')) return 'orgs';
    if (k.startsWith('queue')) return 'queues';
    if (k.startsWith('occup')) return 'occupancy';
    return k;
  }

  function loadSnapshot(t, data) {
    const s = emptyStore();
    data = data || {};
    for (const o of data.orgs || []) if (o && o.id != null) s.orgs.set(String(o.id), o);
    for (const a of data.agents || []) if (a && a.id != null) s.agents.set(String(a.id), a);
    for (const q of data.queues || []) if (q && q.id != null) { q._rxAt = serverNow(); s.queues.set(String(q.id), q); }
    s.occupancy = data.occupancy || null;
    t.store = s;
    markAll();
  }

  function applyChanges(t, changes) {
    const s = t.store;
    for (const c of changes || []) {
      if (!c) continue;
      const kind = kindOf(c.kind);
      if (kind === 'occupancy') {
        s.occupancy = c.removed ? null : (c.data || null);
        dirty.header = true; dirty.orgs = true;
        continue;
      }
      const map = s[kind];
      if (!(map instanceof Map)) continue;
      const id = String(c.id != null ? c.id : (c.data && c.data.id));
      if (c.removed) {
        if (map.delete(id) && kind === 'agents') dirty.agentSet = true;
      } else if (c.data) {
        if (kind === 'agents' && !map.has(id)) dirty.agentSet = true;
        if (c.data.id == null) c.data.id = id;
        if (kind === 'queues') c.data._rxAt = serverNow();
        map.set(id, c.data);
      }
      if (kind === 'agents') { dirty.agents = true; dirty.orgs = true; dirty.header = true; }
      else if (kind === 'orgs') { dirty.orgs = true; dirty.agents = true; dirty.queues = true; dirty.header = true; }
      else if (kind === 'queues') { dirty.queues = true; dirty.header = true; dirty.orgs = true; }
    }
  }

  // merged view over all topic stores
  let mergedCache = null;
  function view() {
    const stores = [];
    for (const t of model.topics.values()) if (t.hasData) stores.push(t.store);
    if (stores.length === 1) return Object.assign({ single: true }, stores[0]);
    const v = emptyStore();
    for (const s of stores) {
      for (const [k, o] of s.orgs) v.orgs.set(k, o);
      for (const [k, a] of s.agents) v.agents.set(k, a);
      for (const [k, q] of s.queues) v.queues.set(k, q);
    }
    // several org topics: time-weighted occupancy from the orgs' sums where given, else the first store's
    v.occupancy = combineOccupancy(stores.map(s => s.occupancy).filter(Boolean), [...v.orgs.values()]);
    mergedCache = v;
    return v;
  }
  function combineOccupancy(list, orgs) {
    if (list.length === 1) return list[0];
    const out = {};
    for (const w of ['today', 'rolling15m', 'rolling60m']) {
      let h = 0, p = 0, ok = false;
      for (const o of orgs) {
        const hh = num(o.handlingMs && o.handlingMs[w]), pp = num(o.productiveMs && o.productiveMs[w]);
        if (hh != null && pp != null) { h += hh; p += pp; ok = true; }
      }
      out[w] = ok && p > 0 ? h / p : (list[0] ? list[0][w] : null);
    }
    return out;
  }

  function scopeOrgs() { // org ids this page is restricted to, or null for all
    const ids = [];
    let global = false;
    for (const t of model.topics.values()) {
      if (t.status === 'forbidden' || t.status === 'unknown') continue;
      const m = /^org:([^:]+)$/.exec(t.name);
      if (m) ids.push(m[1]); else if (t.name === 'global') global = true;
    }
    return global || ids.length === 0 ? null : new Set(ids);
  }

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
    const msg = { op: 'subscribe', topic: t.name };
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
    clearTimeout(retryTimer);
    if (ws) { const s = ws; ws = null; try { s.close(); } catch (e) { /* ignore */ } }
    model.connected = false;
    model.conn = 'auth-error';
    dirty.header = true; scheduleRender();
    showSignin(msg);
  }

  function onMessage(raw) {
    model.lastMessageAt = Date.now();
    model.msgCount++;
    let m;
    try { m = JSON.parse(raw); } catch (e) { return; }
    if (!m || typeof m !== 'object') return;
    if (m.at) noteServerTime(m.at);
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
        applyChanges(t, m.changes);
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

  function onAlert(m) {
    const orgId = m.org != null ? String(m.org) : null;
    const statusFor = { 'upstream-stale': 'stale', 'upstream-disconnected': 'disconnected', 'upstream-recovered': 'open' };
    if (orgId && statusFor[m.kind]) {
      for (const t of model.topics.values()) {
        const o = t.store.orgs.get(orgId);
        if (o) t.store.orgs.set(orgId, Object.assign({}, o, { status: statusFor[m.kind], _alertSince: m.since || null, _alertMessage: m.message || null }));
      }
      dirty.orgs = true; dirty.agents = true; dirty.queues = true;
    }
    pushAlert({ kind: m.kind, org: orgId, message: m.message, since: m.since });
  }

  function pushAlert(a) {
    // one line per (kind, org): a repeat replaces the older line
    model.alerts = model.alerts.filter(x => !(x.kind === a.kind && x.org === a.org));
    model.alerts.unshift(Object.assign({ at: Date.now() }, a));
    model.alerts.length = Math.min(model.alerts.length, MAX_ALERTS);
    dirty.meta = true;
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
        const dm = /^demo-([A-Za-z0-9_.-]+)$/.exec(model.token || '');
        if (dm && !['global', 'admin'].includes(dm[1].toLowerCase())) {
          model.notice = null;
          setTopics(['org:' + dm[1]]);
        } else {
          model.notice = 'This token sees only one org. Add ?topic=org:<id> to the address, for example ?topic=org:emea.';
        }
      } else {
        model.notice = (code === 'forbidden' ? 'This token may not see ' : 'The bridge does not know the topic ') + name + '.';
      }
      markAll();
      return;
    }
    if (code) pushAlert({ kind: 'error', message: code + (m.message ? ': ' + m.message : '') });
  }

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
    clearTimeout(retryTimer);
    if (ws) { const s = ws; ws = null; try { s.close(); } catch (e) { /* ignore */ } }
    model.connected = false; model.conn = 'signed-out';
    model.topics.clear();
    markAll(); scheduleRender();
    showSignin('');
  });

  function startWithTopics() {
    const req = requestedTopics();
    model.explicitTopics = req.length > 0;
    model.topics.clear();
    for (const n of (req.length ? req : ['global'])) model.topics.set(n, topicState(n));
    model.attempt = 0;
    model.notice = null;
    markAll();
    connect();
    for (const t of model.topics.values()) prefetch(t);
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
      })
      .catch(() => { /* the stream will bring the data */ });
  }

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
  setInterval(() => { dirty.tick = true; scheduleRender(); }, 1000);

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
  function isOffQueue(a) {
    if (a._off !== undefined) return a._off;
    return (a._off = isOffQueueOf(a));
  }
  function isOffQueueOf(a) {
    const p = norm(a.presence);
    if (NON_PRODUCTIVE.has(p)) return true;
    const r = norm(a.routingStatus);
    return r === 'offline';
  }
  // on queue = routing says so; without routing data, the presence; without either, "not off queue"
  function isOnQueue(a) {
    if (a._onq !== undefined) return a._onq;
    const r = norm(a.routingStatus), p = norm(a.presence);
    let v;
    if (r) v = r !== 'offqueue' && r !== 'offline';
    else if (p) v = p === 'onqueue';
    else v = !isOffQueue(a);
    a._onq = v;
    return v;
  }
  function stateBucket(a) {
    if (a._bucket) return a._bucket;
    return (a._bucket = stateBucketOf(a));
  }
  function stateBucketOf(a) {
    const s = norm(a.state || a.routingStatus || a.presence);
    if (/interact|communicat|talk|hold|alert|ring|busy/.test(s)) return s.includes('alert') || s.includes('ring') ? 'ringing' : 'interacting';
    if (/acw|wrap|aftercall/.test(s)) return 'acw';
    if (/offline|loggedout/.test(s)) return 'offline';
    if (/idle|available|onqueue|waiting/.test(s)) return isOffQueue(a) ? 'away' : 'idle';
    return isOffQueue(a) ? (norm(a.presence) === 'offline' ? 'offline' : 'away') : 'idle';
  }
  const BUCKET_LABEL = { interacting: 'Interacting', ringing: 'Ringing', acw: 'After-call work', idle: 'Idle on queue', away: 'Break / away', offline: 'Offline' };

  let lastGroupKey = '', lastLayoutAt = 0, heatSize = { w: 0, h: 0 };
  const heatWrap = $('heat-wrap');
  if (window.ResizeObserver) {
    new ResizeObserver(() => { dirty.agentSet = true; dirty.agents = true; scheduleRender(); }).observe(heatWrap);
  }
  window.addEventListener('resize', () => { dirty.agentSet = true; dirty.agents = true; scheduleRender(); });

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
    const inScope = (x) => !scope || scope.has(String(x.org));

    // body hooks
    const bd = document.body.dataset;
    bd.conn = model.conn;
    bd.connected = String(model.connected);
    bd.scope = scope ? 'org' : 'global';
    bd.orgs = orgIds.join(',');
    bd.topics = [...model.topics.values()].map(t => t.name + ':' + t.status).join(',');
    bd.renders = String(renderCount);

    if (dirty.header || dirty.tick) renderHeader(v, scope, orgList, now, inScope);
    if (dirty.orgs || dirty.tick) renderOrgs(v, orgList, now, inScope);
    if (dirty.queues || dirty.tick) renderQueues(v, orgList, now, inScope);
    if (dirty.agents || dirty.agentSet || dirty.orgs) renderHeat(v, orgList, inScope);
    if (dirty.meta || dirty.tick) renderMeta(now);
    if (hoverId) renderTooltip(v, now);
    for (const k in dirty) dirty[k] = false;
  }

  function setFig(id, value, opts) {
    const box = $(id);
    const val = box.querySelector('.fig-val');
    setText(val, value);
    if (opts && opts.band != null) setAttr(box, 'data-band', opts.band);
    if (opts && opts.level != null) setAttr(box, 'data-level', opts.level);
  }

  function renderHeader(v, scope, orgList, now, inScope) {
    const occ = (scope && orgList.length === 1 && orgList[0].occupancy) ? orgList[0].occupancy : (v.occupancy || {});
    setFig('g-today', pct(occ.today), { band: occBand(occ.today) });
    setFig('g-15', pct(occ.rolling15m), { band: occBand(occ.rolling15m) });
    setFig('g-60', pct(occ.rolling60m), { band: occBand(occ.rolling60m) });
    setText($('occ-title'), scope ? (orgList.length === 1 ? (orgList[0].name || orgList[0].id) + ' occupancy' : 'Occupancy') : 'Global occupancy');
    setText($('scope-label'), scope ? 'Org view · ' + (orgList.map(o => o.name || o.id).join(', ') || [...scope].join(', ')) : 'Global view · ' + orgList.length + (orgList.length === 1 ? ' org' : ' orgs'));

    let waiting = 0, longest = null, anyQ = false, worstWaiting = 'ok';
    for (const q of v.queues.values()) {
      if (!inScope(q)) continue;
      anyQ = true;
      waiting += num(q.waiting) || 0;
      const lw = levelWaiting(num(q.waiting) || 0);
      if (LEVEL_RANK[lw] > LEVEL_RANK[worstWaiting]) worstWaiting = lw;
      const w = queueWait(q, now);
      if (w != null && (longest == null || w > longest)) longest = w;
    }
    // the totals take the colour of the worst queue (a sum of queues is not judged by one queue's threshold)
    setFig('k-waiting', anyQ ? String(waiting) : '—', { level: anyQ ? worstWaiting : 'none' });
    setFig('k-longest', anyQ ? (longest ? clockDur(longest) : '0:00') : '—', { level: anyQ ? levelWait(longest) : 'none' });
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
    setAttr(conn, 'data-state', model.conn);
    setText(conn.querySelector('.conn-text'), text);
    const d = new Date();
    setText($('clock'), d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }));
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
  function orgLocalTime(o) {
    if (!o.timezone) return null;
    try { return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: o.timezone }); }
    catch (e) { return null; }
  }
  function makeOrgCard() {
    const c = el('article', 'org');
    const head = el('div', 'org-head');
    const name = el('div', 'org-name');
    const tz = el('div', 'org-tz');
    const pill = el('div', 'pill');
    head.append(name, tz, pill);
    const banner = el('div', 'org-banner');
    banner.setAttribute('role', 'alert');
    banner.hidden = true;
    const figs = el('div', 'org-figs');
    const mk = (label) => { const f = el('div', 'fig'); f.append(el('span', 'fig-label', label), el('span', 'fig-val', '—')); figs.append(f); return f; };
    const f1 = mk('Today'), f2 = mk('15 min'), f3 = mk('60 min');
    const foot = el('div', 'org-foot');
    const counts = el('span', 'org-counts');
    const age = el('span', 'org-age');
    foot.append(counts, age);
    c.append(head, banner, figs, foot);
    return { c, name, tz, pill, banner, f1, f2, f3, counts, age };
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
      setText(card.name, o.name || id);
      const lt = orgLocalTime(o);
      setText(card.tz, lt ? lt + ' local' : '');
      setText(card.pill, status.toUpperCase());
      setAttr(card.pill, 'data-status', status);
      const age = orgAge(o, now);
      if (status === 'disconnected' || status === 'stale') {
        card.banner.hidden = false;
        const since = ts(o._alertSince) || null;
        const word = status === 'disconnected' ? '⚠ DISCONNECTED' : '⚠ STALE';
        const detail = age != null ? 'no update for ' + dur(age) : (since ? 'since ' + hms(since) : 'no data');
        setText(card.banner, word + ' · ' + detail);
        setAttr(card.banner, 'data-status', status);
        setAttr(card.banner, 'title', o._alertMessage || (status === 'disconnected' ? 'Upstream connection lost; the figures are frozen.' : 'Upstream quiet; the figures may be out of date.'));
      } else if (status === 'connecting') {
        card.banner.hidden = false;
        setText(card.banner, 'CONNECTING TO GENESYS…');
        setAttr(card.banner, 'data-status', status);
      } else if (!card.banner.hidden) card.banner.hidden = true;
      const occ = o.occupancy || {};
      for (const [f, w] of [[card.f1, 'today'], [card.f2, 'rolling15m'], [card.f3, 'rolling60m']]) {
        setText(f.lastChild, pct(occ[w]));
        setAttr(f, 'data-band', occBand(occ[w]));
      }
      const a = agg.get(id);
      const nAgents = num(o.agents) != null ? o.agents : a.agents;
      setText(card.counts, nAgents + ' agents · ' + a.onq + ' on queue · ' + a.waiting + ' waiting');
      setText(card.age, age == null ? 'no update yet' : 'updated ' + dur(age) + ' ago');
      setAttr(card.age, 'data-level', age != null && age / 1000 > AGE_WARN_S ? 'warn' : 'ok');
      setAttr(card.c, 'data-age-s', age == null ? '' : Math.round(age / 1000));
    });
    for (const [id, card] of orgCards) if (!seen.has(id)) { card.c.remove(); orgCards.delete(id); }
    // the tab title carries the worst org status too (visible on a browser tab strip or kiosk switcher)
    const bad = orgList.filter(o => ['disconnected', 'stale'].includes(String(o.status).toLowerCase()));
    const title = (bad.length ? '⚠ ' + bad.map(o => (o.name || o.id) + ' ' + String(o.status).toUpperCase()).join(', ') + ' — ' : '') + 'Switchboard';
    if (document.title !== title) document.title = title;
    host.dataset.count = String(orgList.length);
    host.style.setProperty('--org-cols', String(Math.max(1, Math.min(orgList.length, 6))));
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
  function levelWaiting(n) { return n > QUEUE_WAITING_CRIT ? 'crit' : n > QUEUE_WAITING_WARN ? 'warn' : 'ok'; }
  function levelWait(ms) { return ms == null ? 'ok' : ms > QUEUE_WAIT_CRIT_MS ? 'crit' : ms > QUEUE_WAIT_WARN_MS ? 'warn' : 'ok'; }
  const LEVEL_RANK = { ok: 0, warn: 1, crit: 2 };
  const LEVEL_TEXT = { ok: 'OK', warn: 'BUSY', crit: 'CRITICAL' };
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
    const small = el('div', 'q-small');
    t.append(head, big, small);
    return { t, name, lvl, w1, w2, w3, small };
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
      setText(sec.hp, st.toUpperCase()); setAttr(sec.hp, 'data-status', st);
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
        const lw = waiting == null ? 'ok' : levelWaiting(waiting);
        const lt = (waiting === 0 && q.oldestWaitingSince == null) ? 'ok' : levelWait(wait);
        const level = LEVEL_RANK[lw] >= LEVEL_RANK[lt] ? lw : lt;
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
        const occ = q.occupancy || {};
        const qo = occ.rolling15m !== undefined ? occ.rolling15m : occ.today;
        setText(tile.w3.firstChild, pct(qo));
        setAttr(tile.w3, 'data-band', occBand(qo));
        setText(tile.small, (num(q.interacting) ?? '—') + ' interacting · ' + (num(q.onQueueAgents) ?? '—') + ' on queue');
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
      const st = String(o.status || 'connecting').toLowerCase();
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
  canvasEl.addEventListener('mousemove', (e) => {
    const r = canvasEl.getBoundingClientRect();
    const i = heat.hit(e.clientX - r.left, e.clientY - r.top);
    hoverXY = [e.clientX, e.clientY];
    if (i !== hoverIndex) { hoverIndex = i; hoverId = i >= 0 ? heat.ids[i] : null; heat.hover = i; dirty.agents = true; }
    if (i < 0) $('tooltip').hidden = true;
    scheduleRender();
  });
  canvasEl.addEventListener('mouseleave', () => { hoverIndex = -1; hoverId = null; heat.hover = -1; $('tooltip').hidden = true; dirty.agents = true; scheduleRender(); });

  function renderTooltip(v, now) {
    const tip = $('tooltip');
    const id = hoverId;
    const a = id && v.agents.get(id);
    if (!a) { tip.hidden = true; return; }
    const o = v.orgs.get(String(a.org)) || {};
    const since = ts(a.stateSince);
    const occ = a.occupancy || {}, hm = a.handlingMs || {}, pm = a.productiveMs || {};
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

  // ---- test / debugging hook ----
  window.switchboard = {
    get state() { return view(); },
    get connected() { return model.connected; },
    get topics() { const o = {}; for (const t of model.topics.values()) o[t.name] = { status: t.status, epoch: t.epoch, seq: t.seq }; return o; },
    get model() { return model; },
    get renders() { return renderCount; },
    _heat: heat,
    reconnect() { if (ws) { try { ws.close(); } catch (e) { /* ignore */ } } },
    thresholds: { QUEUE_WAITING_WARN, QUEUE_WAITING_CRIT, QUEUE_WAIT_WARN_MS, QUEUE_WAIT_CRIT_MS },
  };

  // ---- start ----
  model.token = takeToken();
  if (!model.token) { model.conn = 'signed-out'; showSignin(''); scheduleRender(); }
  else startWithTopics();
})();
