// Switchboard dashboard — the in-memory model: one store per subscribed topic, filled from
// snapshots and deltas, org status from alerts, and derived agent facts. Applying a message sets
// dirty flags; it never touches the DOM (render.js reads the stores once per animation frame).
'use strict';

// ---- model ------------------------------------------------------------------------------
// One store per subscribed topic; the view merges them (usually there is exactly one).
function emptyStore() { return { orgs: new Map(), agents: new Map(), queues: new Map(), utilization: new Map(), quality: new Map(), occupancy: null }; }
function topicState(name) {
  return { name, status: 'pending', epoch: null, seq: null, hasData: false, store: emptyStore(), resyncTimer: null, lastAt: null };
}

const model = {
  token: null,
  topics: new Map(),          // name → topicState
  explicitTopics: false,
  aboutTopics: null,     // GET /v1/about's topics for this token: 'pending', an array, or null (unknown)
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
const dirty = { orgs: true, agents: true, agentSet: true, queues: true, header: true, meta: true, util: true };
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
  alertsBeforeSnapshot(t, data);
  const s = emptyStore();
  data = data || {};
  for (const o of data.orgs || []) if (o && o.id != null) s.orgs.set(String(o.id), o);
  for (const a of data.agents || []) if (a && a.id != null) s.agents.set(String(a.id), a);
  for (const q of data.queues || []) if (q && q.id != null) { q._rxAt = serverNow(); s.queues.set(String(q.id), q); }
  for (const u of data.utilization || []) if (u && u.id != null) s.utilization.set(String(u.id), u);
  for (const q of data.quality || []) if (q && q.id != null) s.quality.set(String(q.id), q);
  s.occupancy = data.occupancy || null;
  t.store = s;
  markAll();
}

// Applies a delta's changes; false when a patch names an entity this store does not hold (out of step:
// the caller re-subscribes). A patch replaces the top-level fields it lists and deletes those in `unset`.
function applyChanges(t, changes) {
  const s = t.store;
  let inStep = true;
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
    } else if (c.patch) {
      const old = map.get(id);
      if (!old) { inStep = false; continue; }
      const e = Object.assign({}, old, c.patch); // a new object, as `data` would be: views compare by identity
      for (const k of c.unset || []) delete e[k];
      if (kind === 'queues') e._rxAt = serverNow();
      map.set(id, e);
    }
    if (kind === 'agents') { dirty.agents = true; dirty.orgs = true; dirty.header = true; }
    else if (kind === 'orgs') { dirty.orgs = true; dirty.agents = true; dirty.queues = true; dirty.header = true; }
    else if (kind === 'queues') { dirty.queues = true; dirty.header = true; dirty.orgs = true; }
    else if (kind === 'utilization' || kind === 'quality') { dirty.util = true; }
  }
  return inStep;
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
    for (const [k, u] of s.utilization) v.utilization.set(k, u);
    for (const [k, q] of s.quality) v.quality.set(k, q);
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

function scopeOrgs() { // org ids this page shows: the org (or queue) view's org, else the subscription's
  if (nav.org) return new Set([nav.org]);
  return scopeOrgsOfTopics();
}
function scopeOrgsOfTopics() { // org ids this page is subscribed to, or null for all
  const ids = [];
  let global = false;
  for (const t of model.topics.values()) {
    if (t.status === 'forbidden' || t.status === 'unknown') continue;
    const m = /^org:([^:]+)$/.exec(t.name);
    if (m) ids.push(m[1]); else if (t.name === 'global') global = true;
  }
  return global || ids.length === 0 ? null : new Set(ids);
}

// ---- alerts -------------------------------------------------------------------------------
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
  // The alert line shows what is in force, not a log (GET /v1/alerts keeps the history for admins): a
  // recovery clears the org's alert, an accepted reload clears the refused one. A failing token renewal is a
  // line of its own (the sockets are up): only token-renewed ends it.
  if (m.kind === 'upstream-recovered') { clearAlerts(x => x.org === orgId && x.kind !== 'local' && x.kind !== 'token-renewal-failed' && x.kind !== 'eventstream-callback-mismatch'); return; }
  if (m.kind === 'token-renewed') { clearAlerts(x => x.org === orgId && x.kind === 'token-renewal-failed'); return; }
  if (m.kind === 'eventstream-callback-matched') { clearAlerts(x => x.org === orgId && x.kind === 'eventstream-callback-mismatch'); return; }
  if (m.kind === 'config-accepted') { clearAlerts(x => x.kind === 'config-rejected' || x.kind === 'restart-required'); return; }
  pushAlert({ kind: m.kind, org: orgId, message: m.message, since: m.since });
}

function clearAlerts(pred) {
  const before = model.alerts.length;
  model.alerts = model.alerts.filter(x => !pred(x));
  if (model.alerts.length !== before) dirty.meta = true;
}

// A snapshot is followed by the alerts in force for its orgs: forget the older ones it replaces.
function alertsBeforeSnapshot(t, data) {
  const ids = new Set(((data && data.orgs) || []).map(o => String(o.id)));
  clearAlerts(x => (x.org != null && ids.has(x.org) && /^upstream-|^auth-|^token-/.test(x.kind || ''))
    || x.kind === 'bridge-silent' || x.kind === 'slow-consumer');
}

function pushAlert(a) {
  // one line per org (an org has one state) or per kind for org-less alerts: the newer replaces the older
  model.alerts = model.alerts.filter(x => a.org != null ? !(x.org === a.org && /^upstream-|^auth-/.test(x.kind || '') && /^upstream-|^auth-/.test(a.kind || '')) && !(x.kind === a.kind && x.org === a.org) : !(x.kind === a.kind && x.org == null));
  model.alerts.unshift(Object.assign({ at: Date.now() }, a));
  model.alerts.length = Math.min(model.alerts.length, MAX_ALERTS);
  dirty.meta = true;
}

// ---- agent facts (cached on the agent object; a delta brings a fresh object) -----------------
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

// ---- ticking (docs/protocol.md "Ticking") --------------------------------------------------
// Agents, queues, orgs and totals carry `asOf` and `accruing` {handling, productive}: the number of
// agents whose handling / productive time is running. Between updates a figure is
// value + accruing × (now − asOf): exact for `today`; the rolling windows wait for the next update (their
// tail also drops old time). An org that is not open is not ticked: its state is unknown, so its figures
// stay where they stopped.
const TICK_WINDOWS = ['today'];
function ticked(e, now, orgStatus) {
  if (!e || !e.accruing || !e.asOf || !e.handlingMs || !e.productiveMs) return e;
  if (orgStatus && orgStatus !== 'open') return e;
  const asOf = ts(e.asOf);
  const dt = asOf == null ? 0 : now - asOf;
  if (!(dt > 0)) return e;
  if (e._tickNow === now) return e._tick;
  const h = num(e.accruing.handling) || 0, p = num(e.accruing.productive) || 0;
  const out = Object.assign({}, e, {
    handlingMs: Object.assign({}, e.handlingMs), productiveMs: Object.assign({}, e.productiveMs),
    // totals carry their ratios at the top level ({today, rolling15m, rolling60m, handlingMs, …})
    occupancy: Object.assign({}, e.occupancy || { today: e.today, rolling15m: e.rolling15m, rolling60m: e.rolling60m }),
  });
  for (const w of TICK_WINDOWS) {
    const hh = num(e.handlingMs[w]), pp = num(e.productiveMs[w]);
    if (hh == null || pp == null) continue;
    out.handlingMs[w] = hh + h * dt;
    out.productiveMs[w] = pp + p * dt;
    out.occupancy[w] = out.productiveMs[w] > 0 ? out.handlingMs[w] / out.productiveMs[w] : null;
  }
  e._tickNow = now; e._tick = out;
  return out;
}
function orgStatusOf(v, orgId) {
  const o = v.orgs.get(String(orgId));
  return o ? String(o.status || 'connecting').toLowerCase() : null;
}
// Global totals tick only while every org is open (a dead org's share must not grow).
function tickedTotals(v, totals, now) {
  for (const o of v.orgs.values()) if (String(o.status || '').toLowerCase() !== 'open') return totals;
  return ticked(totals, now);
}
