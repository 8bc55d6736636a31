// Switchboard dashboard — speech text: keywords and sentiment (docs/dashboard.md "Speech text"; docs/protocol.md
// "Speech-text topics"). The `speechtext:global` / `speechtext:<org>` topics follow the board's own topics on the
// same socket, as the speech strip's do (global → speechtext:global, org:X → speechtext:X). A strip of its own
// row: per org the keyword labels with their counts in the last 15 and 60 minutes and today (three bars, hits per
// hour in each, so a label on the rise stands out), the share of calls with a negative customer and the calls
// that turned hot today; beside them the live hot calls, worst first (a click opens the agent's panel). The agent
// panel gets the agent's keyword counts and its current call (sentiment, hits, and the transcript when the call
// carries one: only orgs with `pushTranscripts`). Messages only mark the store dirty; the strip is rendered at
// most every STT_RENDER_MS and only the rows whose markup changed are replaced. No org with speech text: no strip.
// Test hooks: #speechtext data-topics data-orgs data-hot (live hot calls in view) data-hot-shown; org rows
// .stt-org data-org data-calls data-neg-share data-hot-today, their cells .stt-lab data-label data-m15 data-m60
// data-today; hot calls .stt-call data-call data-org data-reasons data-sentiment (data-open-agent when joined);
// #ap-speechtext data-agent data-labels data-call data-transcript-lines.
'use strict';

const STT_RENDER_MS = 500;                  // at most two strip renders a second, however many deltas arrive
const STT_NEG_WARN = 0.25, STT_NEG_CRIT = 0.4; // share of today's calls with a negative customer
const STT_MAX_HOT = 30;                     // hot calls laid out; those below the list's height are counted

const stt = { dirty: true, lastRender: 0, timer: null, version: 0, cache: null, cacheVersion: -1, captures: [] };
// the speechtext:<org> / speechtext:global stores (family.js)
stt.family = topicFamily('speechtext', ['calls', 'agents', 'queues', 'orgs'], (t) => {
  sttChanged();
  if (t && stt.captures.length) sttCaptureCheck(t);
});
stt.topics = stt.family.topics;
function sttChanged() { stt.version++; stt.dirty = true; scheduleRender(); }

// Test hook (window.switchboard.speechTextAt): the strip's figures rendered at the moment the topic's store
// reaches `seq` — to compare with GET /v1/views/<topic> of that seq. Resolves {skipped} when the page is past it,
// null when it is not reached within `ms`.
function sttCaptureAt(topic, seq, ms) {
  return new Promise((resolve) => {
    const t = stt.topics.get(topic);
    if (t && t.status === 'live' && t.seq === seq) { resolve(sttCaptureNow(t)); return; }
    if (t && t.status === 'live' && t.seq > seq) { resolve({ skipped: true, seq: t.seq }); return; }
    const c = { topic, seq, resolve };
    stt.captures.push(c);
    setTimeout(() => { const i = stt.captures.indexOf(c); if (i >= 0) { stt.captures.splice(i, 1); resolve(null); } }, ms || 3000);
  });
}
function sttCaptureCheck(t) {
  for (const c of stt.captures.slice()) {
    if (c.topic !== t.name || t.status !== 'live' || t.seq < c.seq) continue;
    stt.captures.splice(stt.captures.indexOf(c), 1);
    c.resolve(t.seq === c.seq ? sttCaptureNow(t) : { skipped: true, seq: t.seq });
  }
}
function sttCaptureNow(t) {
  stt.dirty = true; stt.lastRender = 0;
  const v = view(), scope = scopeOrgs();
  renderSpeechText(v, [...v.orgs.values()].filter(o => !scope || scope.has(String(o.id))));
  const host = $('speechtext'), out = { seq: t.seq, epoch: t.epoch, hidden: host.hidden, hot: Number(host.dataset.hot || 0), orgs: {}, calls: [] };
  for (const r of host.querySelectorAll('.stt-org')) {
    const labels = {};
    for (const c of r.querySelectorAll('.stt-lab')) {
      labels[c.dataset.label] = { m15: Number(c.dataset.m15), m60: Number(c.dataset.m60), today: Number(c.dataset.today), text: c.querySelector('.stt-n').textContent };
    }
    out.orgs[r.dataset.org] = { labels, negShare: r.dataset.negShare === '' ? null : Number(r.dataset.negShare), hotToday: Number(r.dataset.hotToday), calls: Number(r.dataset.calls) };
  }
  for (const r of host.querySelectorAll('.stt-call')) out.calls.push(r.dataset.call);
  return out;
}

// The merged model of every live speech-text topic (usually one), rebuilt only after a message.
function sttView() {
  if (stt.cache && stt.cacheVersion === stt.version) return stt.cache;
  const v = { calls: new Map(), agents: new Map(), queues: new Map(), orgs: new Map(), topics: [] };
  for (const t of stt.topics.values()) {
    if (t.status !== 'live') continue;
    v.topics.push(t.name);
    for (const k of ['calls', 'agents', 'queues', 'orgs']) for (const [id, e] of t[k]) v[k].set(id, e);
  }
  stt.cache = v; stt.cacheVersion = stt.version;
  return v;
}

// ---- formatting ----
const sttCount = (x) => { x = num(x); return x == null ? 0 : x; };
function sttScore(x) { x = num(x); return x == null ? '—' : (x < 0 ? '−' : x > 0 ? '+' : '') + Math.abs(x).toFixed(2); }
function sttScoreClass(x) { x = num(x); return x == null ? '' : x <= -0.5 ? 'qcrit' : x <= -0.05 ? 'qwarn' : x >= 0.05 ? 'qok' : ''; }
// the customer's trend (now minus a minute earlier): getting worse ↘, better ↗, steady →
function sttArrow(x) { x = num(x); return x == null ? '' : x <= -0.05 ? '↘' : x >= 0.05 ? '↗' : '→'; }
function sttNegClass(x) { x = num(x); return x == null ? '' : x >= STT_NEG_CRIT ? 'qcrit' : x >= STT_NEG_WARN ? 'qwarn' : 'qok'; }
function sttName(map, key) { const e = key && map.get(String(key)); return e && e.name ? e.name : key ? String(key).split('/').pop().slice(0, 8) : 'not yet known'; }
function sttHours(org) { // hours since the org's local midnight (business time), for today's rate per hour
  let t = '—';
  try { t = hm(serverNow(), org && org.timezone ? org.timezone : 'UTC'); } catch (e) { /* unknown zone */ }
  const m = /^(\d\d):(\d\d)$/.exec(t);
  return m ? Math.max(0.25, Number(m[1]) + Number(m[2]) / 60) : 24;
}
function sttLastHit(c) { const h = Array.isArray(c.hits) && c.hits.length ? c.hits[c.hits.length - 1] : null; return h ? h.label + ' · ' + h.phrase : ''; }
// worst first: more reasons, then the lower customer sentiment now, then the longer hot
function sttWorse(a, b) {
  const ra = (a.hot.reasons || []).length, rb = (b.hot.reasons || []).length;
  const sa = sentNow(a), sb = sentNow(b);
  return rb - ra || sa - sb || (num(a.hot.since) || 0) - (num(b.hot.since) || 0);
}
function sentNow(c) { const s = c.sentiment && c.sentiment.customer; const x = s ? num(s.now) : null; return x == null ? 0 : x; }

// ---- the strip ----
function renderSpeechText(v, orgList) {
  const host = $('speechtext');
  if (!host) return;
  const key = orgList.map(o => o.id).join(',') + '|' + innerWidth + 'x' + innerHeight;
  if (!stt.dirty && host._key === key) return;
  const wait = stt.lastRender + STT_RENDER_MS - Date.now();
  if (wait > 0 && host._key === key) { // batch: the next render takes every message that arrived meanwhile
    if (!stt.timer) stt.timer = setTimeout(() => { stt.timer = null; scheduleRender(); }, wait);
    return;
  }
  stt.dirty = false; stt.lastRender = Date.now(); host._key = key;
  const sv = sttView();
  setAttr(host, 'data-topics', sv.topics.join(','));
  const orgs = orgList.filter(o => sv.orgs.has(String(o.id)));
  setAttr(host, 'data-orgs', orgs.map(o => o.id).join(','));
  if (!orgs.length) { host.hidden = true; setAttr(host, 'data-hot', 0); return; }
  const shown = new Set(orgs.map(o => String(o.id)));
  if (!host._built) {
    host.innerHTML = '<div class="util-head stt-head"><span>Keywords · 15 min · 60 min · today <small>(bars: hits per hour)</small> · customer sentiment</span>'
      + '<span class="stt-hot-head"></span></div><div class="stt-body"><div class="stt-orgs"></div><div class="stt-calls"></div></div>';
    host._built = true;
    // the list's box changes without a message too (another panel grows, the wall settles after this render): fit again
    if (window.ResizeObserver) new ResizeObserver(() => sttFit(host)).observe(host.querySelector('.stt-calls'));
  }
  host.hidden = false;
  const cols = orgs.length > 6 ? 2 : 1; // past six orgs the org rows go in two columns (the main panels keep their height)
  host.style.setProperty('--stt-cols', String(cols));
  host.style.setProperty('--stt-rows', String(Math.ceil(orgs.length / cols)));
  const rows = orgs.map(o => sttOrgRow(o, sv.orgs.get(String(o.id))));
  syncRows(host.querySelector('.stt-orgs'), rows);
  const hot = [...sv.calls.values()].filter(c => c.hot && c.state === 'live' && shown.has(String(c.org))).sort(sttWorse);
  const list = host.querySelector('.stt-calls');
  syncRows(list, hot.slice(0, STT_MAX_HOT).map(c => sttCallRow(v, c)));
  if (!hot.length) list.innerHTML = '<div class="stt-none">no hot call now</div>';
  setAttr(host, 'data-hot', hot.length);
  sttFit(host);
}

// The list is as tall as the org rows: what does not fit is hidden and counted in the head.
function sttFit(host) {
  const list = host.querySelector('.stt-calls');
  if (!list || host.hidden) return;
  const limit = list.clientHeight, calls = [...list.children].filter(r => r._key);
  for (const r of calls) r.hidden = false;
  const over = calls.filter(r => r.offsetTop + r.offsetHeight > limit + 1); // offsets within the list (position: relative)
  for (const r of over) r.hidden = true;
  const fit = calls.length - over.length, hot = Number(host.dataset.hot || 0);
  setAttr(host, 'data-hot-shown', fit);
  const more = hot - fit;
  host.querySelector('.stt-hot-head').innerHTML = `Hot calls now · <b>${hot}</b>` + (more > 0 ? ` · <b class="qwarn">${more} more</b> not shown` : '');
}

function sttOrgRow(org, o) {
  const id = String(org.id), hours = sttHours(org);
  const kw = o.keywords && typeof o.keywords === 'object' ? o.keywords : {};
  const labels = Object.keys(kw).sort();
  const cells = labels.map((l) => {
    const k = kw[l] || {}, m15 = sttCount(k.m15), m60 = sttCount(k.m60), day = sttCount(k.today);
    const rates = [m15 * 4, m60, day / hours], top = Math.max(...rates);
    const bars = rates.map((r, i) => `<i class="b${i}" data-h="${top > 0 ? Math.max(r > 0 ? 8 : 0, Math.round(r / top * 100)) : 0}"></i>`).join('');
    return `<span class="stt-lab" data-label="${escapeAttr(l)}" data-m15="${m15}" data-m60="${m60}" data-today="${day}"`
      + ` title="${escapeAttr(l)}: ${m15} in the last 15 min, ${m60} in the last 60 min, ${day} today · bars: hits per hour (15 min, 60 min, today's average over ${hours.toFixed(1)} h)">`
      + `<span class="stt-ln">${escapeAttr(l)}</span><span class="stt-bars">${bars}</span><span class="stt-n">${m15}·${m60}·${day}</span></span>`;
  });
  const neg = num(o.negativeShare);
  const html = `<span class="util-name">${escapeAttr(org.name || org.id)}</span>`
    + `<span class="stt-labs">${cells.join('') || '<em>no keyword hit today</em>'}</span>`
    + `<span class="stt-neg" title="Calls today whose customer is negative now (VADER overall ≤ −0.05): ${sttCount(o.negativeCalls)} of ${sttCount(o.sentimentCalls)} with a customer sentiment">neg <b class="${sttNegClass(neg)}">${neg == null ? '—' : Math.round(neg * 100) + '%'}</b></span>`
    + `<span class="stt-hotn" title="Calls that turned hot today; ${sttCount(o.live)} live with words now, ${sttCount(o.calls)} today">hot <b>${sttCount(o.hotCalls)}</b></span>`;
  return { key: id, cls: 'stt-org', html,
    attrs: { 'data-org': id, 'data-calls': sttCount(o.calls), 'data-neg-share': neg == null ? '' : neg, 'data-hot-today': sttCount(o.hotCalls) } };
}

function sttCallRow(v, c) {
  const s = (c.sentiment && c.sentiment.customer) || {};
  const reasons = (c.hot && c.hot.reasons) || [];
  const org = v.orgs.get(String(c.org));
  const last = sttLastHit(c);
  const line = Array.isArray(c.transcript) && c.transcript.length ? c.transcript[c.transcript.length - 1] : null;
  const title = `Hot since ${c.hot.since ? hms(c.hot.since) : '—'} (${reasons.join(', ')}); customer ${sttScore(s.now)} now, trend ${sttScore(s.trend)}, `
    + `${sttScore(s.overall)} over the call; ${sttCount(c.hitCount)} hit(s)` + (last ? '; last: ' + last : '') + (line ? '\n“' + line.text + '”' : '');
  // the hot labels as chips; the `sentiment` reason marks the score itself (boxed), which says it best
  const labels = reasons.filter(r => r !== 'sentiment'), bySentiment = labels.length < reasons.length;
  const html = `<span class="stt-reasons">${labels.map(r => `<i class="stt-r">${escapeAttr(r)}</i>`).join('')}</span>`
    + `<span class="stt-sent ${sttScoreClass(s.now)}${bySentiment ? ' hot' : ''}"${bySentiment ? ' title="hot: the customer\'s sentiment fell below the org\'s limit"' : ''}>${sttScore(s.now)} ${sttArrow(s.trend)}</span>`
    + `<span class="stt-hit">${escapeAttr(last || '—')}</span>`
    + `<span class="qn">${escapeAttr(sttName(v.agents, c.agent))}</span><span>${escapeAttr(sttName(v.queues, c.queue))}</span>`
    + `<span class="stt-o">${escapeAttr(org ? org.name || org.id : c.org)}</span>`;
  const attrs = { 'data-call': String(c.id), 'data-org': String(c.org), 'data-reasons': reasons.join(','), 'data-sentiment': num(s.now) == null ? '' : s.now, title };
  if (c.agent) Object.assign(attrs, { 'data-open-agent': String(c.agent), tabindex: '0', role: 'link' });
  return { key: String(c.id), cls: 'stt-call', html, attrs };
}

// Keyed rows: a row's element is kept while its key is listed; its markup is replaced only when it changed.
function syncRows(box, items) {
  const old = new Map();
  for (const e of [...box.children]) { if (e._key != null) old.set(e._key, e); else e.remove(); }
  let prev = null;
  for (const it of items) {
    let e = old.get(it.key);
    if (e) old.delete(it.key); else { e = document.createElement('div'); e._key = it.key; e._attrs = []; }
    setClass(e, it.cls);
    for (const k of e._attrs) if (!(k in it.attrs)) e.removeAttribute(k);
    e._attrs = Object.keys(it.attrs);
    for (const k of e._attrs) setAttr(e, k, it.attrs[k]);
    if (e._html !== it.html) {
      e._html = it.html; e.innerHTML = it.html;
      // bar heights through the CSSOM: the page's CSP allows no inline style attributes
      for (const i of e.querySelectorAll('i[data-h]')) i.style.height = i.dataset.h + '%';
    }
    const want = prev ? prev.nextSibling : box.firstChild;
    if (want !== e) box.insertBefore(e, want);
    prev = e;
  }
  for (const e of old.values()) e.remove();
}

// ---- the agent panel's section: keyword counts today, the current call ----
function renderAgentSpeechText(id) {
  const host = $('ap-speechtext');
  if (!host) return;
  const sv = sttView();
  const a = sv.agents.get(id);
  let call = null;
  for (const c of sv.calls.values()) {
    if (String(c.agent) === id && c.state === 'live' && (!call || (num(c.startedAt) || 0) > (num(call.startedAt) || 0))) call = c;
  }
  if (!a && !call) { host.hidden = true; setHTML(host, ''); for (const k of ['data-agent', 'data-labels', 'data-call', 'data-transcript-lines']) host.removeAttribute(k); return; }
  host.hidden = false;
  const kw = a && a.keywords && typeof a.keywords === 'object' ? a.keywords : {};
  const labels = Object.keys(kw).sort();
  const rows = labels.map(l => `<tr data-label="${escapeAttr(l)}"><th>${escapeAttr(l)}</th><td>${sttCount(kw[l].m15)}</td><td>${sttCount(kw[l].m60)}</td><td>${sttCount(kw[l].today)}</td></tr>`).join('');
  const neg = a ? num(a.negativeShare) : null;
  let html = `<div class="ap-sec-head"><h3>Keywords and sentiment today</h3></div>`
    + (rows ? `<table class="ap-table stt-ap"><thead><tr><th>Label</th><th>15 min</th><th>60 min</th><th>Today</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p class="empty">No keyword hit today.</p>')
    + (a ? `<p class="ap-note">${sttCount(a.calls)} call(s) with words today · negative customer ${neg == null ? '—' : Math.round(neg * 100) + '%'} · ${sttCount(a.hotCalls)} hot</p>` : '');
  const lines = call && Array.isArray(call.transcript) ? call.transcript : null;
  if (call) {
    const cs = (call.sentiment && call.sentiment.customer) || {}, as = (call.sentiment && call.sentiment.agent) || {};
    const hits = (Array.isArray(call.hits) ? call.hits : []).slice(-5).reverse()
      .map(h => `<span class="chip stt-chip" title="${escapeAttr(h.channel || 'unknown side')} at ${clockDur(h.offsetMs)}">${escapeAttr(h.label)} · ${escapeAttr(h.phrase)}</span>`).join('');
    html += `<div class="stt-now" data-call="${escapeAttr(String(call.id))}"><span class="ap-label">Call now</span>`
      + (call.hot ? `<span class="stt-r">HOT · ${escapeAttr((call.hot.reasons || []).join(', '))}</span>` : '')
      + ` customer <b class="${sttScoreClass(cs.now)}">${sttScore(cs.now)} ${sttArrow(cs.trend)}</b> <small>(call ${sttScore(cs.overall)})</small>`
      + ` · agent <b class="${sttScoreClass(as.now)}">${sttScore(as.now)}</b></div>`
      + (hits ? `<div class="ap-queues"><span class="ap-label">Hits</span>${hits}</div>` : '');
    if (lines && lines.length) {
      html += `<div class="stt-transcript" aria-label="Transcript, last ${lines.length} utterances">`
        + lines.map(u => `<div class="stt-u" data-channel="${escapeAttr(u.channel || '')}"><small>${clockDur(u.offsetMs)}</small><b>${u.channel === 'agent' ? 'Agent' : u.channel === 'customer' ? 'Customer' : '—'}</b><span>${escapeAttr(u.text || '')}</span></div>`).join('')
        + `</div>`;
    }
  }
  if (host._html !== html) {
    setHTML(host, html);
    const box = host.querySelector('.stt-transcript');
    if (box) box.scrollTop = box.scrollHeight; // the newest lines in view
  }
  setAttr(host, 'data-agent', id);
  setAttr(host, 'data-labels', labels.map(l => l + ':' + sttCount(kw[l].today)).join(','));
  setAttr(host, 'data-call', call ? String(call.id) : '');
  setAttr(host, 'data-transcript-lines', lines ? lines.length : 0);
}
