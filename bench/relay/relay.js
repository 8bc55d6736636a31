#!/usr/bin/env node
// A minimal batched presence/routing relay: the baseline of the bench's `relay` scenario
// (docs/performance.md, "Relay baseline"). What a platform team would write instead of Switchboard
// for an agent wall: plain Node.js and the `ws` package (Debian's `node-ws`), nothing else.
//
//   node bench/relay/relay.js --config relay.json
//   relay.json: {"port":0,"token":"bench","flushMs":250,
//                "orgs":[{"id":"us","base":"http://127.0.0.1:9100","clientId":"us-client","clientSecret":"us-secret"}]}
//
// Per org: OAuth client credentials, every user (paged), one `v2.users.{id}.activity` topic per user
// (presence and routing status in one event; 1,000 topics per channel, so one channel per 1,000 users), the
// channels' sockets. State: agentId → {org, presence, routingStatus, stateSince}. Every `flushMs` one delta of
// the agents whose state changed since the last flush, stringified once and sent to every client.
//
// Downstream (`ws` server): `GET /v1/stream?access_token=…` (token optional), `{"op":"subscribe","topic":"global"}`
// → `{"type":"snapshot",…,"agents":[{"id","presence","routingStatus","stateSince"}]}`, then
// `{"type":"delta","topic":"global","seq":N,"at":…,"changes":[{"kind":"agents","id",…}]}` — the shape of the
// Switchboard hub's frames, so the bench's load client measures both the same way. `GET /stats`: counters.
// Prints `READY <port>` on stderr once every org's sockets are open.
//
// What a production relay would still need (deliberately absent — this is a baseline):
// - reconnection with backoff when a notification socket or the OAuth endpoint fails, and a re-sync of
//   every agent (users API) after any gap, since events lost while disconnected are never re-sent;
// - token refresh before `expires_in`, channel renewal before its 24 h life ends, 429/Retry-After handling;
// - a heartbeat watchdog (a socket that stays open but goes quiet is never noticed here);
// - users added or removed after start-up (the directory is read once);
// - per-client authorisation (every client with the token sees every org), resume without a full snapshot
//   after a reconnect, sequence gaps, metrics, health endpoints, graceful shutdown;
// - anything beyond presence and routing status: calls, queues, occupancy, handling time, history.
'use strict';
let WebSocket;
try { WebSocket = require('ws'); } catch { WebSocket = require('/usr/share/nodejs/ws'); } // Debian's node-ws
const http = require('http');
const fs = require('fs');

function arg(name, fallback) {
    const i = process.argv.indexOf('--' + name);
    return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const config = JSON.parse(fs.readFileSync(arg('config', 'relay.json'), 'utf8'));
const flushMs = config.flushMs || 250;
const TOPICS_PER_CHANNEL = 1000;

const agents = new Map();   // "us/<uuid>" → {org, presence, routingStatus, stateSince (epoch ms)}
const dirty = new Set();    // ids changed since the last flush
const clients = new Set();  // subscribed downstream sockets
const stats = { upstreamEvents: 0, changes: 0, deltas: 0, deltaBytes: 0, clients: 0, dropped: 0 };
let seq = 0;

async function call(org, method, path, token, body) {
    const res = await fetch(org.base + path, {
        method,
        headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${org.id}: ${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
}

async function token(org) {
    const basic = Buffer.from(org.clientId + ':' + org.clientSecret).toString('base64');
    const res = await fetch(org.base + '/oauth/token', {
        method: 'POST',
        headers: { 'Authorization': 'Basic ' + basic, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
    });
    if (!res.ok) throw new Error(`${org.id}: POST /oauth/token answered ${res.status}`);
    return (await res.json()).access_token;
}

function stateOf(presence, routing) {
    const p = presence && presence.presenceDefinition ? presence.presenceDefinition.systemPresence : null;
    const r = routing ? routing.status : null;
    const since = Math.max(presence && presence.modifiedDate ? Date.parse(presence.modifiedDate) : 0,
                           routing && routing.startTime ? Date.parse(routing.startTime) : 0);
    return { presence: p, routingStatus: r, stateSince: since || null };
}

function apply(id, org, s) {
    const old = agents.get(id);
    if (old && old.presence === s.presence && old.routingStatus === s.routingStatus && old.stateSince === s.stateSince) return;
    agents.set(id, { org, presence: s.presence, routingStatus: s.routingStatus, stateSince: s.stateSince });
    dirty.add(id);
    stats.changes++;
}

async function startOrg(org) {
    const t = await token(org);
    const users = [];
    for (let page = 1; ; page++) {
        const r = await call(org, 'GET', `/api/v2/users?pageSize=500&pageNumber=${page}&expand=presence,routingStatus`, t);
        for (const u of r.entities || []) {
            users.push(u.id);
            apply(org.id + '/' + u.id, org.id, stateOf(u.presence, u.routingStatus));
        }
        if (!r.nextUri || page >= (r.pageCount || page)) break;
    }
    const sockets = [];
    for (let i = 0; i < users.length; i += TOPICS_PER_CHANNEL) {
        const ch = await call(org, 'POST', '/api/v2/notifications/channels', t, {});
        const topics = users.slice(i, i + TOPICS_PER_CHANNEL).map(u => ({ id: `v2.users.${u}.activity` }));
        await call(org, 'PUT', `/api/v2/notifications/channels/${ch.id}/subscriptions`, t, topics);
        sockets.push(connect(org, ch.connectUri));
    }
    await Promise.all(sockets);
    console.error(`relay: ${org.id}: ${users.length} users on ${sockets.length} channels`);
}

const ACTIVITY = /^v2\.users\.([0-9a-f-]+)\.activity$/;
function connect(org, uri) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(uri, { maxPayload: 16 << 20, perMessageDeflate: false });
        ws.on('open', resolve);
        ws.on('error', reject);
        ws.on('message', data => {
            let m;
            try { m = JSON.parse(data); } catch { return; }
            const match = ACTIVITY.exec(m.topicName || '');
            if (!match) return; // heartbeats, system messages
            stats.upstreamEvents++;
            const b = m.eventBody || {};
            apply(org.id + '/' + match[1], org.id, stateOf(b.presence, b.routingStatus));
        });
        // No reconnection: a baseline (see the list at the top).
        ws.on('close', () => console.error(`relay: ${org.id}: notification socket closed`));
    });
}

function entry(id, a) {
    return { presence: a.presence, routingStatus: a.routingStatus,
             stateSince: a.stateSince ? new Date(a.stateSince).toISOString() : null };
}

let snapshotCache = null; // {seq, buffer}: one snapshot per flush, however many clients subscribe
function snapshot() {
    if (snapshotCache && snapshotCache.seq === seq) return snapshotCache.buffer;
    const list = [];
    for (const [id, a] of agents) list.push({ id, org: a.org, ...entry(id, a) });
    const json = JSON.stringify({ type: 'snapshot', topic: 'global', seq, at: new Date().toISOString(), agents: list });
    snapshotCache = { seq, buffer: Buffer.from(json) };
    return snapshotCache.buffer;
}

function flush() {
    if (dirty.size === 0) return;
    const changes = [];
    for (const id of dirty) changes.push({ kind: 'agents', id, ...entry(id, agents.get(id)) });
    dirty.clear();
    seq++;
    // Stringified once, encoded to UTF-8 once, the same buffer written to every socket.
    const buffer = Buffer.from(JSON.stringify({ type: 'delta', topic: 'global', seq, at: new Date().toISOString(), changes }));
    stats.deltas++;
    stats.deltaBytes += buffer.length;
    for (const c of clients) {
        // The only slow-consumer policy: a client 64 MiB behind is dropped.
        if (c.bufferedAmount > 64 << 20) { stats.dropped++; c.terminate(); continue; }
        c.send(buffer, { binary: false });
    }
}

const server = http.createServer((req, res) => {
    if (req.url === '/stats') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ...stats, clients: clients.size, agents: agents.size, seq }));
        return;
    }
    res.writeHead(404);
    res.end();
});
const wss = new WebSocket.Server({ server, path: '/v1/stream', perMessageDeflate: false, maxPayload: 64 << 10,
    verifyClient: ({ req }) => {
        if (!config.token) return true;
        const url = new URL(req.url, 'http://relay');
        const bearer = (req.headers.authorization || '').replace(/^Bearer /, '');
        return url.searchParams.get('access_token') === config.token || bearer === config.token;
    } });
wss.on('connection', ws => {
    ws.on('message', data => {
        let m;
        try { m = JSON.parse(data); } catch { return; }
        if (m.op === 'subscribe' && m.topic === 'global') {
            ws.send(snapshot(), { binary: false });
            clients.add(ws);
        }
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
});

(async () => {
    await Promise.all(config.orgs.map(startOrg));
    setInterval(flush, flushMs);
    server.listen(config.port || 0, config.host || '127.0.0.1', () => {
        console.error(`relay: ${agents.size} agents, listening on ${server.address().port}`);
        console.error(`READY ${server.address().port}`);
    });
})().catch(e => { console.error('relay: ' + e.message); process.exit(1); });
