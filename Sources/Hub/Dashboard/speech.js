// Switchboard dashboard — speech strip (docs/dashboard.md "Speech"; docs/protocol.md "Speech topics"): the
// monitored calls' live speech analytics from the `speech:global` / `speech:<org>` topics, which follow the
// board's own topics on the same socket (global → speech:global, org:X → speech:X). One line per org: calls
// live now, today's talk ratio, silence and overtalk; "details" opens the org's live calls (worst first) and
// its queues' silence/overtalk bars. A token that may not read the speech topic shows no strip.
// Test hooks: #speech data-topics (the speech topics live), each line data-org, data-live, data-calls; the
// details' rows data-call (call id) with data-overtalk / data-silence (shares), bars data-queue.
'use strict';

const speech = {
  // the speech:<org> / speech:global stores (family.js): name → {name, status, epoch, seq, calls, agents, queues, orgs, totals}
  family: topicFamily('speech', ['calls', 'agents', 'queues', 'orgs'], () => { speech.dirty = true; scheduleRender(); }),
  open: null,        // org id whose details are open
  dirty: true,
};
speech.topics = speech.family.topics;

// The merged speech model of every live speech topic (usually one).
function speechView() { return speech.family.view(); }

const spPct = (x) => typeof x === 'number' && isFinite(x) ? Math.round(x * 100) + '%' : '—';
const spRatio = (x) => typeof x === 'number' && isFinite(x) ? x.toFixed(x >= 10 ? 0 : 1) : '—';
function spLevel(share, warn, crit) { return typeof share !== 'number' ? '' : share >= crit ? 'qcrit' : share >= warn ? 'qwarn' : 'qok'; }
const SETTLED_MS = 10 * 1000; // a call's shares mean something after this much audio
function settled(c) { return (c.analysedMs || 0) >= SETTLED_MS ? 1 : 0; }
const OVERTALK_WARN = 0.08, OVERTALK_CRIT = 0.15, SILENCE_WARN = 0.25, SILENCE_CRIT = 0.4;

function renderSpeech(v, orgList) {
  const host = $('speech');
  if (!host) return;
  if (!speech.dirty && host._orgsKey === orgList.map(o => o.id).join(',')) return;
  speech.dirty = false;
  host._orgsKey = orgList.map(o => o.id).join(',');
  const sv = speechView();
  setAttr(host, 'data-topics', sv.topics.join(','));
  const rows = [];
  let details = '';
  for (const org of orgList) {
    const id = String(org.id), o = sv.orgs.get(id);
    if (!o || !(o.calls > 0 || o.live > 0)) continue;
    const open = speech.open === id;
    rows.push(`<div class="sp-org" data-org="${escapeAttr(id)}" data-live="${o.live || 0}" data-calls="${o.calls || 0}">`
      + `<div class="util-name">${escapeAttr(org.name || org.id)}</div>`
      + `<div class="q-line" title="Today: ${o.calls} call(s) monitored; agent talk ÷ customer talk ${spRatio(o.talkRatio)}; both quiet ${spPct(o.silenceShare)}, both talking ${spPct(o.overtalkShare)} of the audio">`
      + `<b>${o.live || 0}</b> live · ratio <b>${spRatio(o.talkRatio)}</b> · silence <b class="${spLevel(o.silenceShare, SILENCE_WARN, SILENCE_CRIT)}">${spPct(o.silenceShare)}</b>`
      + ` · overtalk <b class="${spLevel(o.overtalkShare, OVERTALK_WARN, OVERTALK_CRIT)}">${spPct(o.overtalkShare)}</b></div>`
      + `<button type="button" class="q-toggle" data-speech-org="${escapeAttr(id)}" aria-expanded="${open}">${open ? 'hide' : 'details'}</button></div>`);
    if (open) details = speechDetails(v, sv, org);
  }
  host.hidden = rows.length === 0;
  const html = rows.length === 0 ? '' : `<div class="util-head"><span>Speech · monitored calls · today</span></div>` + rows.join('') + details;
  if (host._html !== html) {
    host._html = html; host.innerHTML = html;
    // bar widths through the CSSOM: the page's CSP allows no inline style attributes
    for (const i of host.querySelectorAll('.sp-track i[data-w]')) i.style.width = i.dataset.w + '%';
  }
}

// The open org's live calls, worst first (overtalk, then silence), and its queues' bars.
function speechDetails(v, sv, org) {
  const id = String(org.id);
  const name = (map, key) => { const e = key && map.get(String(key)); return e && e.name ? e.name : key ? String(key).split('/').pop().slice(0, 8) : 'not yet known'; };
  const calls = [...sv.calls.values()].filter(c => String(c.org) === id && c.state !== 'ended')
    // worst first — among calls with enough audio to judge (a call seconds old is all silence): those after
    .sort((a, b) => settled(b) - settled(a) || (b.overtalkShare || 0) - (a.overtalkShare || 0) || (b.silenceShare || 0) - (a.silenceShare || 0)).slice(0, 8);
  const rows = calls.map(c => `<div class="sp-call" data-call="${escapeAttr(String(c.id))}" data-overtalk="${c.overtalkShare}" data-silence="${c.silenceShare}" data-analysed="${c.analysedMs || 0}"`
    + (c.agent ? ` data-open-agent="${escapeAttr(String(c.agent))}" tabindex="0" role="link"` : '') + `>`
    + `<span class="qn">${escapeAttr(name(v.agents, c.agent))}</span><span class="sp-q">${escapeAttr(name(v.queues, c.queue))}</span>`
    + `<span>${clockDur((c.analysedMs || 0) + (c.gapMs || 0))}${c.state === 'paused' ? ' · held' : ''}</span>`
    + `<span>ratio ${spRatio(c.talkRatio)}</span>`
    + `<span class="${spLevel(c.overtalkShare, OVERTALK_WARN, OVERTALK_CRIT)}">over ${spPct(c.overtalkShare)}</span>`
    + `<span class="${spLevel(c.silenceShare, SILENCE_WARN, SILENCE_CRIT)}">sil ${spPct(c.silenceShare)}</span></div>`);
  const queues = [...sv.queues.values()].filter(q => String(q.org) === id && q.analysedMs > 0)
    .sort((a, b) => (b.overtalkShare || 0) + (b.silenceShare || 0) - (a.overtalkShare || 0) - (a.silenceShare || 0));
  const bars = queues.map(q => `<div class="sp-bar" data-queue="${escapeAttr(String(q.id))}" title="${escapeAttr(name(v.queues, q.id))}: silence ${spPct(q.silenceShare)}, overtalk ${spPct(q.overtalkShare)}, ratio ${spRatio(q.talkRatio)}, ${q.calls} call(s) today">`
    + `<span class="qn">${escapeAttr(name(v.queues, q.id))}</span><span class="sp-track"><i class="sp-sil" data-w="${Math.round((q.silenceShare || 0) * 100)}"></i>`
    + `<i class="sp-over" data-w="${Math.round((q.overtalkShare || 0) * 100)}"></i></span><span>${spPct(q.silenceShare)} / ${spPct(q.overtalkShare)}</span></div>`);
  return `<div class="q-details sp-details" data-org="${escapeAttr(id)}" role="region" aria-label="Speech details ${escapeAttr(org.name || org.id)}">`
    + `<div class="q-details-head">${escapeAttr(org.name || org.id)} · live calls, worst first · queues today (silence / overtalk)`
    + `<button type="button" class="q-toggle" data-speech-org="${escapeAttr(id)}" aria-expanded="true">close</button></div>`
    + `<div class="sp-calls">${rows.join('') || '<em>no call live now</em>'}</div>`
    + `<div class="sp-bars" data-speech-queues="${queues.length}">${bars.join('')}</div></div>`;
}

function onSpeechClick(e) {
  const b = e.target.closest('button[data-speech-org]');
  if (b) {
    const id = b.dataset.speechOrg;
    speech.open = speech.open === id ? null : id;
    speech.dirty = true; scheduleRender();
  }
}
