// Switchboard dashboard — a topic family's store on the board's own socket (docs/protocol.md, "Speech topics",
// "Speech-text topics", "Journey topics"): the `<prefix>:global` / `<prefix>:<org>` topics follow the board's
// topics (global → <prefix>:global, org:X → <prefix>:X). One store per topic: its entity maps (`kinds`), `totals`,
// epoch/seq with a re-subscribe on a gap or a new epoch, resume on reconnect. speech.js, speechtext.js and
// journeys.js each make one with topicFamily(); stream.js hands every message to familiesOnMessage() first.
'use strict';

const families = [];

// prefix: 'speech'; kinds: the snapshot's entity lists (['calls', 'agents', …]); changed(t): called after
// every message that changed a store (t) or after a topic was added or dropped (null).
function topicFamily(prefix, kinds, changed) {
  const f = { prefix, kinds, topics: new Map(), changed };
  f.topicFor = (name) => {
    if (name === 'global') return prefix + ':global';
    const m = /^org:([^:]+)$/.exec(name);
    return m ? prefix + ':' + m[1] : null;
  };
  f.store = (name) => {
    const s = { name, status: 'pending', epoch: null, seq: null, totals: null };
    for (const k of kinds) s[k] = new Map();
    return s;
  };
  f.resubscribe = (t) => {
    send({ op: 'unsubscribe', topic: t.name });
    Object.assign(t, f.store(t.name));
    send({ op: 'subscribe', topic: t.name });
  };
  // Called every second and when the socket opens: subscribe the family's topics that follow the board's.
  f.sync = (reopened) => {
    const want = new Set();
    for (const t of model.topics.values()) {
      if (t.status === 'forbidden' || t.status === 'unknown') continue;
      const n = f.topicFor(t.name);
      if (n) want.add(n);
    }
    for (const n of [...f.topics.keys()]) {
      if (!want.has(n)) { send({ op: 'unsubscribe', topic: n }); f.topics.delete(n); changed(null); }
    }
    for (const n of want) {
      const t = f.topics.get(n);
      if (!t) { f.topics.set(n, f.store(n)); send({ op: 'subscribe', topic: n }); changed(null); continue; }
      if (reopened && t.status !== 'forbidden' && t.status !== 'unknown') {
        const msg = { op: 'subscribe', topic: n };
        if (t.epoch != null && t.seq != null) msg.since = { epoch: t.epoch, seq: t.seq };
        send(msg);
      }
    }
  };
  f.reset = () => { f.topics.clear(); changed(null); };
  // A stream message; true when it was one of this family's (handled or ignored).
  f.onMessage = (m) => {
    const name = m.topic != null ? String(m.topic) : '';
    if (!name.startsWith(prefix + ':')) return false;
    const t = f.topics.get(name);
    if (!t) return true;
    switch (m.type) {
      case 'snapshot': {
        const d = m.data || {};
        Object.assign(t, f.store(name), { status: 'live', epoch: m.epoch != null ? m.epoch : null, seq: num(m.seq) != null ? m.seq : 0 });
        for (const k of kinds) for (const e of d[k] || []) if (e && e.id != null) t[k].set(String(e.id), e);
        t.totals = d.totals || null;
        break;
      }
      case 'delta': {
        if (t.seq == null) return true;
        if (m.epoch != null && t.epoch != null && m.epoch !== t.epoch) { f.resubscribe(t); return true; }
        const seq = num(m.seq);
        if (seq != null) {
          if (seq <= t.seq) return true;
          if (seq !== t.seq + 1) { f.resubscribe(t); return true; }
          t.seq = seq;
        }
        for (const c of m.changes || []) {
          if (!c) continue;
          const kind = String(c.kind || '');
          if (kind === 'totals') { t.totals = c.removed ? null : (c.data || null); continue; }
          if (!kinds.includes(kind)) continue;
          const id = String(c.id != null ? c.id : (c.data && c.data.id));
          if (c.removed) t[kind].delete(id); else if (c.data) t[kind].set(id, c.data);
        }
        break;
      }
      case 'recovered': t.status = 'live'; break;
      case 'unsubscribed': if (m.reason === 'forbidden') t.status = 'forbidden'; break;
      case 'error': t.status = String(m.code) === 'forbidden' ? 'forbidden' : 'unknown'; break;
      default: return true;
    }
    changed(t);
    return true;
  };
  // Every live topic's entities merged (usually one topic), with the names of the live topics.
  f.view = () => {
    const v = { topics: [] };
    for (const k of kinds) v[k] = new Map();
    for (const t of f.topics.values()) {
      if (t.status !== 'live') continue;
      v.topics.push(t.name);
      for (const k of kinds) for (const [id, e] of t[k]) v[k].set(id, e);
    }
    return v;
  };
  families.push(f);
  return f;
}

function familiesSync(reopened) { for (const f of families) f.sync(reopened); }
function familiesReset() { for (const f of families) f.reset(); }
function familiesOnMessage(m) { for (const f of families) if (f.onMessage(m)) return true; return false; }
