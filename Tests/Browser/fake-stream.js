#!/usr/bin/env node
// Development fixture for the Switchboard dashboard: serves Sources/Hub/Dashboard over HTTP and a
// fake /v1/stream that speaks the bridge's downstream protocol (SPEC §4): snapshot, coalesced
// deltas with per-topic epoch+seq, resume with `since` (recovered + replay), alerts, errors, pong.
//
//   NODE_PATH=/usr/share/nodejs node Tests/Browser/fake-stream.js [PORT] [--agents N] [--speed X]
//                                                            [--no-script] [--tick MS]
// Tokens: demo-global, demo-admin (scope global), demo-us / demo-emea / demo-apac (scope org:<id>).
// Control endpoints (no auth; development only):
//   GET /_fake/status?org=emea&status=stale|disconnected|open|connecting   force an org status
//   GET /_fake/drop        close every client socket (tests reconnect + resume)
//   GET /_fake/gap         swallow the next delta of every topic (tests seq-gap recovery)
//   GET /_fake/epoch       new epoch (tests "server restarted": clients must take a fresh snapshot)
//   GET /_fake/pause?s=N   stop sending anything (not even pongs) for N s (tests the client's silence watchdog)
//   GET /_fake/behind?org=emea&s=40   the org's events read 40 s late (behindSeconds; s=0 clears it)
// Without --no-script, EMEA goes stale at 25 s, disconnected at 45 s and recovers at 80 s (cycle 120 s).
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const PORT = Number(args.find(a => /^\d+$/.test(a)) || 8090);
const AGENTS = Number(opt('--agents', 300));
const SPEED = Number(opt('--speed', 20));          // simulated seconds per real second
const TICK_MS = Number(opt('--tick', 250));
const SCRIPT = !args.includes('--no-script');
const ROOT = path.resolve(__dirname, '../../Sources/Hub/Dashboard');

// ---- deterministic PRNG ----
let seed = Number(opt('--seed', 42)) >>> 0 || 42;
function rnd() { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; }
function gauss() { let u = 0, v = 0; while (!u) u = rnd(); while (!v) v = rnd(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); }
function expo(mean) { return -Math.log(1 - rnd()) * mean; }
function uuid() { const h = () => Math.floor(rnd() * 0x10000).toString(16).padStart(4, '0'); return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`; }

const FIRST = ['Ava', 'Ben', 'Chloe', 'Diego', 'Elif', 'Farah', 'Gus', 'Hana', 'Ivan', 'Jade', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoe', 'Aiko', 'Bruno', 'Cleo', 'Dev'];
const LAST = ['Adams', 'Berg', 'Chen', 'Diaz', 'Ekwueme', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kim', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Novak', 'Weber', 'Yilmaz'];
const QUEUE_NAMES = ['Sales', 'Support', 'Billing', 'Tech Support T2', 'Retention', 'VIP Line'];

function seedCallers(n, span) { const now = Date.now(); const c = []; for (let k = 0; k < n; k++) c.push(now - span * (1 - k / Math.max(1, n)) * (k ? 0.5 + rnd() * 0.5 : 1)); return c.sort((x, y) => x - y); }
const ORGS = [
  { id: 'us', name: 'US', timezone: 'America/New_York' },
  { id: 'emea', name: 'EMEA', timezone: 'Europe/London' },
  { id: 'apac', name: 'APAC', timezone: 'Asia/Singapore' },
];

// ---- simulation state ----
let simNow = Date.now();
const iso = (t) => new Date(t).toISOString();
const W = ['today', 'rolling15m', 'rolling60m'];
const orgs = new Map();
const agents = new Map();
const queues = new Map();

for (const o of ORGS) {
  orgs.set(o.id, Object.assign({}, o, { status: 'open', lastHeartbeatAt: iso(Date.now()), lastEventAt: iso(Date.now()), frozen: false }));
  const qids = QUEUE_NAMES.map((name, i) => {
    const id = `${o.id}/${uuid()}`;
    queues.set(id, { id, org: o.id, name, pressure: i === 1 && o.id === 'us' ? 3.2 : i === 3 ? 1.6 : 0.6 + rnd() * 0.6, callers: seedCallers(i === 1 && o.id === 'us' ? 19 : i === 3 ? 8 : Math.floor(rnd() * 4), i === 1 && o.id === 'us' ? 200e3 : i === 3 ? 75e3 : 30e3), interacting: 0, onQueueAgents: 0 });
    return id;
  });
  for (let i = 0; i < AGENTS; i++) {
    const id = `${o.id}/${uuid()}`;
    const target = Math.min(0.98, Math.max(0.25, 0.74 + gauss() * 0.13));
    const offline = rnd() < 0.05;
    const prodToday = offline ? 0 : (1 + rnd() * 5) * 3600e3;
    const a = {
      id, org: o.id, name: `${FIRST[Math.floor(rnd() * FIRST.length)]} ${LAST[Math.floor(rnd() * LAST.length)]}`,
      // hire dates from the index (not rnd, so the rest of the fixture is unchanged); 1 in 19 has none
      hireDate: i % 19 === 7 ? null : new Date(Date.now() - (14 + ((i * 2654435761) % 4000)) * 86400e3).toISOString().slice(0, 10),
      queue: qids[i % qids.length], target, offline,
      state: offline ? "offline" : "idle", stateSince: Date.now() - rnd() * 300e3, nextAt: simNow + expo(60e3),
      today: { h: prodToday * target * (0.85 + rnd() * 0.3), p: prodToday },
      buckets: [], // 60 one-minute buckets [h, p]
    };
    a.today.h = Math.min(a.today.h, a.today.p);
    for (let m = 0; m < 60; m++) {
      const p = offline ? 0 : 60e3;
      const h = offline ? 0 : Math.min(60e3, p * Math.max(0, target + gauss() * 0.15));
      a.buckets.push([h, p]);
    }
    agents.set(id, a);
  }
}
let bucketMinute = Math.floor(simNow / 60e3);

const PRESENCE = { idle: 'On Queue', interacting: 'On Queue', acw: 'On Queue', break: 'Break', meal: 'Meal', offline: 'Offline' };
const ROUTING = { idle: 'IDLE', interacting: 'INTERACTING', acw: 'NOT_RESPONDING', break: 'OFF_QUEUE', meal: 'OFF_QUEUE', offline: 'OFF_QUEUE' };
const STATE_NAME = { idle: 'idle', interacting: 'interacting', acw: 'acw', break: 'break', meal: 'meal', offline: 'offline' };

function sums(a) {
  let h15 = 0, p15 = 0, h60 = 0, p60 = 0;
  for (let i = 0; i < 60; i++) { const [h, p] = a.buckets[i]; h60 += h; p60 += p; if (i >= 45) { h15 += h; p15 += p; } }
  return { handlingMs: { today: a.today.h, rolling15m: h15, rolling60m: h60 }, productiveMs: { today: a.today.p, rolling15m: p15, rolling60m: p60 } };
}
const occ = (h, p) => (p > 0 ? h / p : null);
function band(o) { if (o == null) return null; return o > 0.9 ? 'burnout' : o >= 0.8 ? 'elevated' : o >= 0.6 ? 'healthy' : 'under'; }

function agentView(a) {
  const s = sums(a);
  const o = {}; for (const w of W) o[w] = occ(s.handlingMs[w], s.productiveMs[w]);
  return {
    id: a.id, org: a.org, name: a.name, hireDate: a.hireDate, presence: PRESENCE[a.state], routingStatus: ROUTING[a.state], state: STATE_NAME[a.state],
    stateSince: iso(a.stateSince), queues: [a.queue], occupancy: o, band: band(o.rolling60m),
    handlingMs: roundAll(s.handlingMs), productiveMs: roundAll(s.productiveMs),
  };
}
function roundAll(x) { const o = {}; for (const k in x) o[k] = Math.round(x[k]); return o; }

function totalsFor(filterOrg) {
  const h = { today: 0, rolling15m: 0, rolling60m: 0 }, p = { today: 0, rolling15m: 0, rolling60m: 0 };
  for (const a of agents.values()) {
    if (filterOrg && a.org !== filterOrg) continue;
    const s = sums(a);
    for (const w of W) { h[w] += s.handlingMs[w]; p[w] += s.productiveMs[w]; }
  }
  const out = { handlingMs: roundAll(h), productiveMs: roundAll(p) };
  for (const w of W) out[w] = occ(h[w], p[w]);
  return out;
}
function orgView(o) {
  const t = totalsFor(o.id);
  let n = 0; for (const a of agents.values()) if (a.org === o.id) n++;
  return { id: o.id, name: o.name, status: o.status, lastHeartbeatAt: o.lastHeartbeatAt, lastEventAt: o.lastEventAt,
    behindSeconds: o.behindSeconds || null, timezone: o.timezone,
    occupancy: { today: t.today, rolling15m: t.rolling15m, rolling60m: t.rolling60m }, handlingMs: t.handlingMs, productiveMs: t.productiveMs, agents: n };
}
function queueView(q) {
  q.waiting = q.callers.length; q.oldest = q.callers.length ? q.callers[0] : null;
  const wait = q.waiting > 0 ? Math.max(0, Date.now() - q.oldest) : 0;
  let h = 0, p = 0;
  for (const a of agents.values()) if (a.queue === q.id) { const s = sums(a); h += s.handlingMs.rolling15m; p += s.productiveMs.rolling15m; }
  return { id: q.id, org: q.org, name: q.name, waiting: q.waiting, interacting: q.interacting, onQueueAgents: q.onQueueAgents,
    longestWaitMs: wait, oldestWaitingSince: q.waiting > 0 && q.oldest != null ? iso(q.oldest) : null,
    occupancy: { rolling15m: occ(h, p) } };
}
function snapshotData(orgFilter) {
  const inOrg = (x) => !orgFilter || x.org === orgFilter || x.id === orgFilter;
  return {
    orgs: [...orgs.values()].filter(inOrg).map(orgView),
    occupancy: totalsFor(orgFilter),
    agents: [...agents.values()].filter(inOrg).map(agentView),
    queues: [...queues.values()].filter(inOrg).map(queueView),
  };
}

// advance the simulation by one tick; returns the changed entity ids
function step() {
  const dt = TICK_MS * SPEED;
  simNow += dt;
  const minute = Math.floor(simNow / 60e3);
  while (bucketMinute < minute) {
    for (const a of agents.values()) { a.buckets.shift(); a.buckets.push([0, 0]); }
    bucketMinute++;
  }
  const changed = new Set();
  for (const a of agents.values()) {
    if (orgs.get(a.org).frozen) continue;
    const productive = a.state === 'idle' || a.state === 'interacting' || a.state === 'acw';
    const handling = a.state === 'interacting' || a.state === 'acw';
    if (productive) { a.today.p += dt; a.buckets[59][1] += dt; }
    if (handling) { a.today.h += dt; a.buckets[59][0] += dt; }
    if (a.offline || simNow < a.nextAt) continue;
    const prev = a.state;
    if (a.state === 'idle') { a.state = rnd() < 0.015 ? 'break' : 'interacting'; }
    else if (a.state === 'interacting') a.state = 'acw';
    else if (a.state === 'acw') a.state = rnd() < 0.02 ? (rnd() < 0.5 ? 'break' : 'meal') : 'idle';
    else a.state = 'idle';
    const mean = { interacting: 240e3, acw: 35e3, idle: 275e3 * (1 - a.target) / a.target, break: 600e3, meal: 1800e3 }[a.state];
    a.nextAt = simNow + expo(mean);
    if (prev !== a.state) { a.stateSince = Date.now(); changed.add(a.id); }
  }
  // queues: callers arrive and are answered oldest first; pressure drives the arrival rate
  for (const q of queues.values()) {
    if (orgs.get(q.org).frozen) continue;
    const real = Date.now();
    if (rnd() < 0.08 * q.pressure) q.callers.push(real);
    if (q.callers.length && rnd() < 0.05 + 0.01 * q.callers.length) q.callers.shift();
    q.waiting = q.callers.length;
    q.oldest = q.callers.length ? q.callers[0] : null;
  }
  for (const q of queues.values()) { if (!orgs.get(q.org).frozen) { q.interacting = 0; q.onQueueAgents = 0; } }
  for (const a of agents.values()) {
    const q = queues.get(a.queue);
    if (orgs.get(q.org).frozen) continue;
    if (a.state === 'interacting') q.interacting++;
    if (a.state === 'idle' || a.state === 'interacting' || a.state === 'acw') q.onQueueAgents++;
  }
  return changed;
}

// ---- protocol: topics, seq, history, clients ----
let epoch = 'fake-' + Date.now().toString(36);
const TOPICS = ['global', ...ORGS.map(o => 'org:' + o.id)];
const topicSeq = new Map(TOPICS.map(t => [t, 0]));
const history = new Map(TOPICS.map(t => [t, []])); // recent deltas
const HISTORY_MAX = 400;
const clients = new Set();
let swallowNext = false, pausedUntil = 0;

const TOKENS = { 'demo-global': ['global'], 'demo-admin': ['admin', 'global'] };
for (const o of ORGS) TOKENS['demo-' + o.id] = ['org:' + o.id];
TOKENS['emea-wall'] = ['org:emea']; // an org-scoped token that does not name its org
function scopesFor(token) { return TOKENS[token] || null; }
function allowed(scopes, topic) { return scopes.includes('global') || scopes.includes(topic); }
function orgOfTopic(t) { const m = /^org:(.+)$/.exec(t); return m ? m[1] : null; }

function sendTo(c, obj) { if (Date.now() < pausedUntil) return; if (c.ws.readyState === 1) c.ws.send(JSON.stringify(obj)); }
function snapshotMsg(topic) {
  return { type: 'snapshot', topic, epoch, seq: topicSeq.get(topic), at: iso(Date.now()), data: snapshotData(orgOfTopic(topic)) };
}

let rr = 0;
function tick() {
  const changedAgents = step();
  const now = Date.now();
  for (const o of orgs.values()) if (!o.frozen) o.lastEventAt = iso(now);
  // refresh a rotating slice of agents too (their figures move even without a state change)
  const all = [...agents.values()];
  const slice = Math.ceil(all.length / 12);
  for (let i = 0; i < slice; i++) { const a = all[(rr + i) % all.length]; if (!orgs.get(a.org).frozen) changedAgents.add(a.id); }
  rr = (rr + slice) % all.length;

  const changes = [];
  for (const id of changedAgents) changes.push({ kind: 'agents', id, data: agentView(agents.get(id)) });
  for (const q of queues.values()) if (!orgs.get(q.org).frozen) changes.push({ kind: 'queues', id: q.id, data: queueView(q) });
  for (const o of orgs.values()) changes.push({ kind: 'orgs', id: o.id, data: orgView(o) });

  for (const topic of TOPICS) {
    const org = orgOfTopic(topic);
    const mine = org ? changes.filter(c => (c.data.org || c.data.id) === org) : changes.slice();
    mine.push({ kind: 'occupancy', id: 'occupancy', data: totalsFor(org) });
    const seq = topicSeq.get(topic) + 1;
    topicSeq.set(topic, seq);
    const msg = { type: 'delta', topic, epoch, seq, at: iso(now), changes: mine };
    const h = history.get(topic); h.push(msg); if (h.length > HISTORY_MAX) h.shift();
    if (swallowNext) continue;
    const text = JSON.stringify(msg);
    if (Date.now() < pausedUntil) continue;
    for (const c of clients) if (c.subs.has(topic) && c.ws.readyState === 1) c.ws.send(text);
  }
  swallowNext = false;
}

function setStatus(orgId, status, message) {
  const o = orgs.get(orgId);
  if (!o || o.status === status) return;
  o.status = status;
  o.frozen = status === 'stale' || status === 'disconnected';
  const kind = { stale: 'upstream-stale', disconnected: 'upstream-disconnected', open: 'upstream-recovered' }[status];
  if (status === 'open') { o.lastHeartbeatAt = iso(Date.now()); o.lastEventAt = iso(Date.now()); }
  if (!kind) return;
  const alert = { type: 'alert', kind, org: orgId, since: o.lastEventAt, message: message || `${o.name}: ${kind.replace('upstream-', 'upstream ')}` };
  for (const c of clients) for (const t of c.subs) if (t === 'global' || t === 'org:' + orgId) sendTo(c, Object.assign({ topic: t }, alert));
  console.log(`[fake] ${orgId} → ${status}`);
}

// heartbeats every 30 s for open orgs
setInterval(() => { for (const o of orgs.values()) if (!o.frozen) o.lastHeartbeatAt = iso(Date.now()); }, 30e3);
setInterval(tick, TICK_MS);
if (SCRIPT) {
  const t0 = Date.now();
  setInterval(() => {
    const t = ((Date.now() - t0) / 1000) % 120;
    const want = t < 25 ? 'open' : t < 45 ? 'stale' : t < 80 ? 'disconnected' : 'open';
    setStatus('emea', want, want === 'stale' ? 'EMEA: no events for 20 s' : want === 'disconnected' ? 'EMEA: no heartbeat for 65 s — channel re-sync in progress' : 'EMEA: re-synced');
  }, 500);
}

// ---- HTTP ----
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.json': 'application/json' };
function tokenOf(req, url) {
  const h = req.headers.authorization || '';
  if (h.startsWith('Bearer ')) return h.slice(7).trim();
  return url.searchParams.get('access_token');
}
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (p === '/healthz') { res.end('ok'); return; }
  if (p.startsWith('/_fake/')) {
    const what = p.slice(7);
    if (what === 'status') setStatus(url.searchParams.get('org'), url.searchParams.get('status'));
    else if (what === 'drop') { for (const c of clients) c.ws.terminate(); }
    else if (what === 'gap') swallowNext = true;
    else if (what === 'epoch') { epoch = 'fake-' + Date.now().toString(36); for (const t of TOPICS) history.get(t).length = 0; }
    else if (what === 'behind') { const o = orgs.get(url.searchParams.get('org')); if (o) o.behindSeconds = Number(url.searchParams.get('s') || 0); }
    else if (what === 'pause') pausedUntil = Date.now() + 1000 * Number(url.searchParams.get('s') || 60);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, what }));
    return;
  }
  if (p.startsWith('/v1/views/')) {
    const scopes = scopesFor(tokenOf(req, url));
    if (!scopes) { res.statusCode = 401; res.end('{"error":"unauthorized"}'); return; }
    const topic = decodeURIComponent(p.slice('/v1/views/'.length));
    if (!TOPICS.includes(topic)) { res.statusCode = 404; res.end('{"error":"unknown-topic"}'); return; }
    if (!allowed(scopes, topic)) { res.statusCode = 403; res.end('{"error":"forbidden"}'); return; }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(snapshotMsg(topic)));
    return;
  }
  if (p === '/v1/stream') { res.statusCode = 426; res.end('upgrade required'); return; }
  const rel = p === '/' ? 'index.html' : decodeURIComponent(p).replace(/^\/+/, '');
  const file = path.resolve(ROOT, rel);
  if (!file.startsWith(ROOT + path.sep) && file !== ROOT) { res.statusCode = 403; res.end(); return; }
  fs.readFile(file, (err, buf) => {
    if (err) { res.statusCode = 404; res.end('not found'); return; }
    res.setHeader('content-type', MIME[path.extname(file)] || 'application/octet-stream');
    res.setHeader('cache-control', 'no-cache');
    res.end(buf);
  });
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/v1/stream') { socket.write('HTTP/1.1 404 Not Found\r\n\r\n'); socket.destroy(); return; }
  const scopes = scopesFor(tokenOf(req, url));
  if (!scopes) { socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'); socket.destroy(); return; }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const c = { ws, scopes, subs: new Set() };
    clients.add(c);
    ws.on('close', () => clients.delete(c));
    ws.on('message', (raw) => {
      let m;
      try { m = JSON.parse(String(raw)); } catch (e) { sendTo(c, { type: 'error', code: 'bad-request', message: 'malformed JSON' }); return; }
      if (m.op === 'ping') { sendTo(c, { type: 'pong', id: m.id }); return; }
      if (m.op === 'unsubscribe') { c.subs.delete(m.topic); return; }
      if (m.op !== 'subscribe' || typeof m.topic !== 'string') { sendTo(c, { type: 'error', code: 'bad-request', message: 'unknown op' }); return; }
      const topic = m.topic;
      if (!TOPICS.includes(topic)) { sendTo(c, { type: 'error', code: 'unknown-topic', message: `no topic ${topic}` }); return; }
      if (!allowed(scopes, topic)) { sendTo(c, { type: 'error', code: 'forbidden', message: `token may not read ${topic}` }); return; }
      c.subs.add(topic);
      const h = history.get(topic);
      const since = m.since;
      const cur = topicSeq.get(topic);
      if (since && since.epoch === epoch && typeof since.seq === 'number' && since.seq <= cur &&
          (since.seq === cur || (h.length && h[0].seq <= since.seq + 1))) {
        sendTo(c, { type: 'recovered', topic, from: since.seq + 1, to: cur });
        for (const d of h) if (d.seq > since.seq) sendTo(c, d);
        console.log(`[fake] resume ${topic} from ${since.seq + 1} to ${cur}`);
      } else {
        sendTo(c, snapshotMsg(topic));
      }
      // replay active alerts for orgs that are not open
      for (const o of orgs.values()) {
        if ((topic === 'global' || topic === 'org:' + o.id) && (o.status === 'stale' || o.status === 'disconnected')) {
          sendTo(c, { type: 'alert', topic, kind: 'upstream-' + o.status, org: o.id, since: o.lastEventAt, message: `${o.name}: upstream ${o.status}` });
        }
      }
    });
  });
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
  console.log(`dashboard: http://127.0.0.1:${server.address().port}/?token=demo-global`);
});
