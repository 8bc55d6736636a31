// Speech-text checks of the master dashboard (docs/dashboard.md "Speech text"), run by wall-check.js --speechtext
// against `switchboard demo` (every org has a speechText: section, the first pushes transcripts):
//   - the strip has one row per org of GET /v1/views/speechtext:global and nothing else;
//   - its counts (each label's 15 min / 60 min / today, the negative share, the hot calls today) and its hot
//     calls equal that view at the same seq (the page's store stopped at the view's seq, the strip rendered then;
//     a delta in flight or a page already past that seq: read again, three times at most);
//   - a hot call appears once the view has one, the list worst first (more reasons, then the lower customer
//     sentiment); a click opens the agent's panel with the agent's keyword counts as in the view;
//   - transcript lines appear only for the org with pushTranscripts (--transcripts ORG, default the first): its
//     calls carry `transcript` in the view and the agent panel shows the lines; another org's call has none;
//   - an empty speech-text snapshot (a bridge where no org has speech text) leaves no strip, no empty box;
//   - a regional token reads speechtext:<org> and sees that org only (rows, hot calls, the page's store).
'use strict';
const path = require('path');

module.exports = async function speechTextChecks(x) {
  const { p, orgs, pass, fail, opt, getJSON, waitReady, snapshot, sleep } = x;
  const [w, h] = x.size;
  const pushOrg = opt.transcripts || orgs[0];
  const view = async (topic, token) => {
    const b = await getJSON(opt.base + '/v1/views/' + topic, token || opt.token);
    return { seq: b.seq, epoch: b.epoch, d: b.data || b };
  };
  const step = async (name, fn) => { try { await fn(); pass('speech text: ' + name); } catch (e) { fail('speech text: ' + name + ': ' + e.message); } };
  const liveHot = (d) => (d.calls || []).filter(c => c.hot && c.state === 'live');
  // waits until the view satisfies `pred` (polling once a second), returns it
  const viewUntil = async (topic, pred, ms, what, token) => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await view(topic, token);
      if (pred(v.d)) return v;
      if (Date.now() > end) throw new Error(what + ' (' + Math.round(ms / 1000) + ' s)');
      await sleep(1000);
    }
  };
  // the strip at the view's seq, compared with the view; a delta in flight or a page past the seq: read again
  const sameAsView = async (topic, token) => {
    let last = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const v = await view(topic, token);
      const got = await p.ev(`window.switchboard.speechTextAt(${JSON.stringify(topic)}, ${Number(v.seq)}, 3000)`);
      if (!got || got.skipped) { last = 'the page did not pass through seq ' + v.seq + (got ? ' (it was at ' + got.seq + ')' : ' within 3 s'); continue; }
      if (got.epoch !== v.epoch) { last = 'epoch ' + got.epoch + ' on the page, ' + v.epoch + ' in the view'; continue; }
      const diffs = compare(v.d, got);
      if (!diffs.length) return v;
      last = 'at seq ' + v.seq + ': ' + diffs.slice(0, 8).join('; ') + (diffs.length > 8 ? ' (+' + (diffs.length - 8) + ' more)' : '');
    }
    throw new Error(last);
  };

  await p.size(w, h);
  await p.go(opt.base + '/?token=' + encodeURIComponent(opt.token));
  await waitReady(p, await snapshot(), orgs);

  await step('a row per org with speech text (speechtext:global)', async () => {
    const v = await viewUntil('speechtext:global', d => orgs.every(o => (d.orgs || []).some(e => String(e.id) === o)), 60000,
      'speechtext:global does not list every org of the demo');
    const ids = (v.d.orgs || []).map(e => String(e.id)).sort().join(',');
    await p.waitFor(`(() => { const s = document.getElementById('speechtext'); return !s.hidden && s.dataset.topics === 'speechtext:global'
      && [...s.querySelectorAll('.stt-org')].map(r => r.dataset.org).sort().join(',') === ${JSON.stringify(ids)}; })()`, 'a speech-text row for every org', 30000);
  });

  await step('counts and hot calls equal GET /v1/views/speechtext:global at the same seq', async () => {
    await sameAsView('speechtext:global');
  });

  await step('a hot call appears, worst first', async () => {
    await viewUntil('speechtext:global', d => liveHot(d).length > 0, 90000, 'the demo made no hot call (none live in speechtext:global)');
    await p.waitFor(`document.querySelectorAll('#speechtext .stt-call:not([hidden])').length > 0`, 'a hot call in the strip', 15000);
    const rows = await p.ev(`[...document.querySelectorAll('#speechtext .stt-call')].map(r => [r.dataset.call, r.dataset.reasons.split(',').filter(Boolean).length, r.dataset.sentiment === '' ? 0 : Number(r.dataset.sentiment)])`);
    if (rows.some(r => r[1] === 0)) throw new Error('a hot call shows no reason: ' + JSON.stringify(rows.filter(r => r[1] === 0)));
    for (let i = 1; i < rows.length; i++) {
      const [, r0, s0] = rows[i - 1], [, r1, s1] = rows[i];
      if (r1 > r0 || (r1 === r0 && s1 < s0 - 1e-9)) throw new Error('not worst first at row ' + (i + 1) + ': ' + JSON.stringify(rows.slice(0, i + 1)));
    }
    if (opt.shots) await p.shot(path.join(opt.shots, `speechtext-${w}x${h}.png`));
  });

  await step('a hot call opens its agent\'s panel with the agent\'s keyword counts', async () => {
    await p.waitFor(`!!document.querySelector('#speechtext .stt-call[data-open-agent]:not([hidden])')`, 'a hot call joined to an agent', 30000);
    // clicked in the page, so the row clicked is the row read (the list re-sorts twice a second)
    const [call, agent] = await p.ev(`(() => { const r = document.querySelector('#speechtext .stt-call[data-open-agent]:not([hidden])'); r.click(); return [r.dataset.call, r.dataset.openAgent]; })()`);
    await p.waitFor(`(() => { const a = document.getElementById('agent-panel'), s = document.getElementById('ap-speechtext');
      return !a.hidden && a.dataset.agent === ${JSON.stringify(agent)} && location.search.includes('agent=') && !s.hidden && s.dataset.agent === ${JSON.stringify(agent)}; })()`, 'the agent panel with its speech text');
    // the agent's counts today as in the view (they move with the agent's calls: a few reads)
    let last = '';
    for (let i = 0; i < 5; i++) {
      const v = await view('speechtext:global');
      const a = (v.d.agents || []).find(e => String(e.id) === agent);
      const want = a ? Object.keys(a.keywords || {}).sort().map(l => l + ':' + (a.keywords[l].today || 0)).join(',') : '';
      const got = await p.ev(`document.getElementById('ap-speechtext').dataset.labels`);
      if (got === want) { last = ''; break; }
      last = 'panel ' + JSON.stringify(got) + ', view ' + JSON.stringify(want);
      await sleep(700);
    }
    if (last) throw new Error('the agent\'s keyword counts differ from speechtext:global: ' + last);
    // the agent's current call as in the view at the same moment (the clicked call may have ended by now: a demo
    // call at x20 lasts seconds, and the reads above took some; then the panel must show the agent's next call
    // or none, as the view does)
    let callSeen = '';
    last = '';
    for (let i = 0; i < 6; i++) {
      const v = await view('speechtext:global');
      const live = (v.d.calls || []).filter(e => String(e.agent) === agent && e.state === 'live').map(e => String(e.id));
      const got = await p.ev(`document.getElementById('ap-speechtext').dataset.call`);
      if (live.length ? live.includes(got) : got === '') { last = ''; callSeen = got; break; }
      last = 'panel ' + JSON.stringify(got) + ', live calls of ' + agent + ' in the view ' + JSON.stringify(live) + ' (hot call clicked ' + call + ')';
      await sleep(500);
    }
    if (last) throw new Error('the panel\'s current call differs from speechtext:global: ' + last);
    if (!callSeen) console.log('wall-check: note speech text: hot call ' + call + ' had ended before its panel was compared; the agent had no live call');
    await p.ev('closeAgent()');
    await p.waitFor(`document.getElementById('agent-panel').hidden`, 'the panel closed');
  });

  await step('transcript lines only for ' + pushOrg + ' (pushTranscripts)', async () => {
    const v = await viewUntil('speechtext:global', d => (d.calls || []).some(c => String(c.org) === pushOrg && c.state === 'live' && c.agent
      && Array.isArray(c.transcript) && c.transcript.length > 0) && (d.calls || []).some(c => String(c.org) !== pushOrg && c.state === 'live' && c.agent),
    60000, 'no live call of ' + pushOrg + ' with a transcript and of another org with words');
    const leaked = (v.d.calls || []).filter(c => String(c.org) !== pushOrg && 'transcript' in c);
    if (leaked.length) throw new Error('calls of orgs without pushTranscripts carry a transcript: ' + leaked.slice(0, 3).map(c => c.id).join(', '));
    const mine = v.d.calls.find(c => String(c.org) === pushOrg && c.state === 'live' && c.agent && Array.isArray(c.transcript) && c.transcript.length > 0);
    await p.ev(`openAgent(${JSON.stringify(String(mine.agent))})`);
    await p.waitFor(`(() => { const s = document.getElementById('ap-speechtext'); return s.dataset.agent === ${JSON.stringify(String(mine.agent))} && Number(s.dataset.transcriptLines) > 0
      && s.querySelectorAll('.stt-transcript .stt-u').length === Number(s.dataset.transcriptLines); })()`, 'the transcript in the agent panel of ' + mine.agent, 20000);
    const texts = await p.ev(`[...document.querySelectorAll('#ap-speechtext .stt-u span')].map(e => e.textContent)`);
    const said = new Set(mine.transcript.map(u => u.text));
    if (!texts.some(t => said.has(t))) throw new Error('none of the panel\'s lines is in the call\'s transcript: ' + JSON.stringify(texts.slice(-3)));
    if (opt.shots) await p.shot(path.join(opt.shots, `speechtext-agent-${w}x${h}.png`));
    const other = v.d.calls.find(c => String(c.org) !== pushOrg && c.state === 'live' && c.agent);
    await p.ev(`openAgent(${JSON.stringify(String(other.agent))})`);
    await p.waitFor(`(() => { const s = document.getElementById('ap-speechtext'); return !s.hidden && s.dataset.agent === ${JSON.stringify(String(other.agent))}; })()`, 'the agent panel of ' + other.agent, 20000);
    await sleep(1200); // two strip renders: a line would be there by now
    const shown = await p.ev(`(() => { const s = document.getElementById('ap-speechtext'); return [s.dataset.transcriptLines, s.querySelectorAll('.stt-transcript, .stt-u').length]; })()`);
    if (shown[0] !== '0' || shown[1] !== 0) throw new Error('the panel of ' + other.agent + ' (' + other.org + ') shows transcript lines: ' + JSON.stringify(shown));
    await p.ev('closeAgent()');
  });

  await step('no org with speech text: no strip, no empty box', async () => {
    // what a bridge where no org has a speechText: section sends: an empty snapshot; the next real delta has
    // another epoch, so the page subscribes again and the strip comes back
    // fed and drawn in one turn of the page, so the next real delta cannot come first
    const shown = await p.ev(`(() => { familiesOnMessage({type: 'snapshot', topic: 'speechtext:global', epoch: 'check-empty', seq: 0, data: {calls: [], agents: [], queues: [], orgs: [], totals: null}});
      const c = sttCaptureNow(stt.topics.get('speechtext:global')), s = document.getElementById('speechtext');
      return {hidden: s.hidden, height: s.getBoundingClientRect().height, rows: Object.keys(c.orgs).length, orgs: s.dataset.orgs}; })()`);
    if (!shown.hidden || shown.height !== 0 || shown.orgs !== '') throw new Error('after an empty snapshot the strip shows: ' + JSON.stringify(shown));
    await p.waitFor(`!document.getElementById('speechtext').hidden && document.querySelectorAll('#speechtext .stt-org').length === ${orgs.length}`, 'the strip back after the next delta', 30000);
  });

  const regional = orgs[orgs.length - 1];
  await step('a regional token sees only its org (speechtext:' + regional + ')', async () => {
    const token = 'demo-' + regional;
    await p.go(opt.base + '/?token=' + encodeURIComponent(token));
    await p.waitFor(`(() => { const s = document.getElementById('speechtext'); return !s.hidden && s.dataset.topics === 'speechtext:${regional}' && s.dataset.orgs === '${regional}'
      && s.querySelectorAll('.stt-org').length === 1; })()`, 'the regional speech-text strip', 60000);
    await sameAsView('speechtext:' + regional, token);
    const foreign = await p.ev(`(() => { const v = window.switchboard.speechtext, out = [];
      for (const k of ['calls', 'agents', 'queues', 'orgs']) for (const e of v[k].values()) if (String(e.org != null ? e.org : e.id) !== '${regional}') out.push(k + ' ' + e.id);
      for (const r of document.querySelectorAll('#speechtext .stt-call')) if (r.dataset.org !== '${regional}') out.push('hot call ' + r.dataset.call);
      return out; })()`);
    if (foreign.length) throw new Error('another org\'s speech text on a ' + regional + ' page: ' + foreign.slice(0, 5).join(', '));
  });
};

// The view's org rollups and live hot calls against the strip captured at the same seq (sttCaptureNow).
function compare(d, got) {
  const out = [];
  const orgs = d.orgs || [];
  for (const o of orgs) {
    const id = String(o.id), g = got.orgs[id];
    if (!g) { out.push('no row for ' + id); continue; }
    const kw = o.keywords || {};
    for (const l of Object.keys(kw)) {
      const k = kw[l], c = g.labels[l];
      if (!c) { out.push(id + ' ' + l + ' not shown'); continue; }
      for (const win of ['m15', 'm60', 'today']) if ((k[win] || 0) !== c[win]) out.push(`${id} ${l} ${win}: strip ${c[win]}, view ${k[win] || 0}`);
      const text = `${k.m15 || 0}·${k.m60 || 0}·${k.today || 0}`;
      if (c.text !== text) out.push(`${id} ${l} reads "${c.text}", view ${text}`);
    }
    for (const l of Object.keys(g.labels)) if (!(l in kw)) out.push(id + ' shows ' + l + ', which the view does not have');
    if ((o.hotCalls || 0) !== g.hotToday) out.push(`${id} hot today: strip ${g.hotToday}, view ${o.hotCalls || 0}`);
    if ((o.calls || 0) !== g.calls) out.push(`${id} calls: strip ${g.calls}, view ${o.calls || 0}`);
    const neg = typeof o.negativeShare === 'number' ? o.negativeShare : null;
    if (neg == null ? g.negShare != null : g.negShare == null || Math.abs(neg - g.negShare) > 1e-9) out.push(`${id} negative share: strip ${g.negShare}, view ${neg}`);
  }
  for (const id of Object.keys(got.orgs)) if (!orgs.some(o => String(o.id) === id)) out.push('a row for ' + id + ', which the view does not have');
  const hot = (d.calls || []).filter(c => c.hot && c.state === 'live' && got.orgs[String(c.org)]);
  if (got.hot !== hot.length) out.push(`live hot calls: strip ${got.hot}, view ${hot.length}`);
  const ids = new Set(hot.map(c => String(c.id)));
  for (const c of got.calls) if (!ids.has(c)) out.push('hot call ' + c + ' is not a live hot call in the view');
  return out;
}
