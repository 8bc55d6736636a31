// Journeys checks of the master dashboard (docs/dashboard.md "Journeys"), run by wall-check.js --journeys against
// `switchboard demo` (every org has a journeys: section, customers shown as salted hashes):
//   - the board's footer links to the journeys view with the open count; a click opens ?view=journeys, which
//     follows the board's topic (journeys:global) and lists the orgs of that topic;
//   - the view fits the window: its rows inside the list, the ones that do not fit counted ("+N more");
//   - a few shown journeys (several contacts first) have the contacts of GET /v1/journeys/{id}: the same
//     conversations, in the same order, each bar in the lane of its medium; every shown customer is the key the
//     bridge sends (a hash: never anything else);
//   - the path summary equals the topic's totals (activeByPath, closedByPath, active, closed) at the same seq;
//   - a search by a shown customer key finds that journey, drawn as the same swimlanes with GET's contacts, and the
//     answer's count is GET /v1/journeys?org=&customer='s; a key nobody has finds nothing;
//   - batching: an injected storm of journey deltas (hundreds a second for 3 s) is drawn at most every 500 ms,
//     keeps being drawn during the storm, and the last state shows once it ends;
//   - a regional token reads journeys:<org> and sees that org only.
// With --shots DIR it writes DIR/journeys.png (1920x1080, journeys with several contacts).
'use strict';
const path = require('path');

module.exports = async function journeysChecks(x) {
  const { p, orgs, pass, fail, opt, getJSON, waitReady, snapshot, sleep } = x;
  const [w, h] = x.size;
  const view = async (topic, token) => {
    const b = await getJSON(opt.base + '/v1/views/' + topic, token || opt.token);
    return { seq: b.seq, epoch: b.epoch, d: b.data || b };
  };
  const step = async (name, fn) => { try { await fn(); pass('journeys: ' + name); } catch (e) { fail('journeys: ' + name + ': ' + e.message); } };
  const contactsOf = (j) => (j.contacts || []).map(c => c.conversationId + ':' + c.media).join(',');
  const rowsJS = `[...document.querySelectorAll('#jrn-list .jrn-row')].filter(r => !r.hidden).map(r => ({ id: r.dataset.journey, org: r.dataset.org,
    customer: r.dataset.customer, contacts: r.dataset.contacts, state: r.dataset.state,
    bars: [...r.querySelectorAll('.jrn-bar')].map(b => ({ conv: b.dataset.conv, media: b.dataset.media, lane: b.parentElement.dataset.media })) }))`;

  await p.size(w, h);
  await p.go(opt.base + '/?token=' + encodeURIComponent(opt.token));
  await waitReady(p, await snapshot(), orgs);

  await step('the footer links to the journeys view, which follows journeys:global', async () => {
    await p.waitFor(`(() => { const l = document.getElementById('jrn-open'); return !l.hidden && Number(l.dataset.open) > 0; })()`,
      'the footer\'s journeys link with open journeys', 90000);
    await p.click(`document.getElementById('jrn-open')`, 'the journeys link');
    await p.waitFor(`document.body.dataset.view === 'journeys' && location.search.includes('view=journeys') && !document.getElementById('journeys').hidden`, 'the journeys view', 10000);
    const v = await view('journeys:global');
    const ids = (v.d.orgs || []).map(o => String(o.id)).sort().join(',');
    if (ids !== orgs.slice().sort().join(',')) throw new Error('journeys:global lists orgs ' + ids + ', the demo has ' + orgs.join(','));
    await p.waitFor(`(() => { const s = document.getElementById('journeys'); return s.dataset.topics === 'journeys:global' && s.dataset.orgs === ${JSON.stringify(ids)}
      && document.querySelectorAll('#jrn-list .jrn-row').length > 0; })()`, 'journeys:global with every org and rows', 30000);
    // the board is out of the way, the view inside the window
    const fit = await p.ev(`(() => { const out = [], s = document.getElementById('journeys'), list = document.getElementById('jrn-list');
      const r = s.getBoundingClientRect(), lr = list.getBoundingClientRect();
      if (r.bottom > innerHeight + 1 || r.right > innerWidth + 1) out.push('the view ends at ' + Math.round(r.right) + 'x' + Math.round(r.bottom));
      if (document.querySelector('main.main').offsetParent !== null) out.push('the board\\'s panels still show');
      const rows = [...list.querySelectorAll('.jrn-row')], shown = rows.filter(x => !x.hidden);
      for (const x of shown) { const b = x.getBoundingClientRect(); if (b.bottom > lr.bottom + 1) out.push(x.dataset.journey + ' is below the list'); }
      const total = Number(s.dataset.journeys), more = Number(s.dataset.more);
      if (shown.length !== Number(s.dataset.shown)) out.push(shown.length + ' rows shown, data-shown ' + s.dataset.shown);
      if (total - shown.length !== more) out.push(total + ' journeys, ' + shown.length + ' shown, "+' + more + ' more"');
      const text = document.getElementById('jrn-more').textContent;
      if (more > 0 ? !text.startsWith('+' + more + ' more') : text !== '') out.push('the more line reads "' + text + '" for ' + more);
      if (/\\b(AM|PM)\\b/.test(s.textContent)) out.push('a 12-hour time');
      return out; })()`);
    if (fit.length) throw new Error(fit.join('; '));
  });

  await step('shown journeys have the contacts of GET /v1/journeys/{id}, each bar in its medium\'s lane', async () => {
    // several contacts first: wait a little for a few to be open
    try { await p.waitFor(`${rowsJS}.filter(r => r.contacts.split(',').length > 1).length >= 2`, 'journeys with several contacts', 60000); } catch (e) { /* checked below */ }
    const problems = [];
    let compared = 0, several = 0;
    const rows = await p.ev(rowsJS);
    for (const r of rows) {
      if (!/^[a-z]+#[0-9a-f]{16}$/.test(r.customer)) problems.push(r.id + ' shows customer "' + r.customer + '", not the bridge\'s hash');
      for (const b of r.bars) if (b.media !== b.lane) problems.push(r.id + ' bar ' + b.conv + ' (' + b.media + ') is in the ' + b.lane + ' lane');
      if (r.bars.map(b => b.conv + ':' + b.media).sort().join(',') !== r.contacts.split(',').filter(Boolean).sort().join(','))
        problems.push(r.id + ': bars ' + r.bars.map(b => b.conv).join(',') + ' for contacts ' + r.contacts);
    }
    // the rows move (most recently active first): a picked row is read again by its id, shown or not
    const multi = rows.filter(r => r.contacts.split(',').length > 1), single = rows.filter(r => r.contacts.split(',').length === 1);
    const picks = multi.slice(0, 4).concat(single.slice(0, 3), multi.slice(4), single.slice(3));
    if (picks.length < 3) throw new Error('only ' + picks.length + ' journeys shown');
    for (const pick of picks) {
      if (compared >= 5 && several >= 2) break;
      let last = '';
      for (let attempt = 0; attempt < 3; attempt++) {
        const row = await p.ev(`(() => { const r = document.querySelector('#jrn-list .jrn-row[data-journey="${pick.id}"]');
          return r && { contacts: r.dataset.contacts, customer: r.dataset.customer, org: r.dataset.org }; })()`);
        if (!row) { last = 'gone'; break; }
        const j = await getJSON(opt.base + '/v1/journeys/' + pick.id, opt.token);
        if (contactsOf(j) === row.contacts && j.customer === row.customer && j.org === row.org) { last = ''; compared++; if (j.contacts.length > 1) several++; break; }
        last = 'page ' + row.contacts + ' (' + row.customer + '), GET ' + contactsOf(j) + ' (' + j.customer + ')';
        await sleep(600);
      }
      if (last && last !== 'gone') problems.push(pick.id + ': ' + last);
    }
    if (problems.length) throw new Error(problems.slice(0, 6).join('; '));
    if (compared < 3 || several < 1) throw new Error(compared + ' compared, ' + several + ' with several contacts: too few');
  });

  await step('the path summary equals the topic\'s totals at the same seq', async () => {
    // closed journeys first (a journey closes a session timeout after its last contact: 15 s at --speed 20)
    for (const end = Date.now() + 120000; Date.now() < end; await sleep(2000)) {
      const t = (await view('journeys:global')).d.totals;
      if (t && t.closed > 0) break;
    }
    let last = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      const v = await view('journeys:global');
      const got = await p.ev(`window.switchboard.journeysAt('journeys:global', ${Number(v.seq)}, 3000)`);
      if (!got || got.skipped) { last = 'the page did not pass through seq ' + v.seq; continue; }
      const t = v.d.totals || {};
      const want = new Map();
      for (const [k, n] of Object.entries(t.activeByPath || {})) want.set(k, { open: n, closed: 0 });
      for (const [k, n] of Object.entries(t.closedByPath || {})) want.set(k, Object.assign(want.get(k) || { open: 0 }, { closed: n }));
      const diffs = [];
      if (got.open !== t.active) diffs.push('open ' + got.open + ', topic ' + t.active);
      if (got.closed !== t.closed) diffs.push('closed ' + got.closed + ', topic ' + t.closed);
      const shown = Object.keys(got.paths);
      if (!shown.length) diffs.push('no path shown');
      for (const k of shown) {
        const e = want.get(k);
        if (!e) diffs.push(k + ' shown, not in the topic');
        else if (e.open !== got.paths[k].open || e.closed !== got.paths[k].closed) diffs.push(`${k}: ${got.paths[k].open}/${got.paths[k].closed}, topic ${e.open}/${e.closed}`);
      }
      // the biggest paths are the ones shown
      const top = [...want.entries()].sort((a, b) => (b[1].open + b[1].closed) - (a[1].open + a[1].closed)).slice(0, shown.length);
      const least = Math.min(...shown.map(k => got.paths[k].open + got.paths[k].closed));
      for (const [k, e] of top) if (!(k in got.paths) && e.open + e.closed > least) diffs.push(k + ' (' + (e.open + e.closed) + ') not shown');
      if (!diffs.length) {
        if (!(t.closed > 0)) throw new Error('no closed journey in the topic yet: the closed counts were not put to the test');
        return;
      }
      last = 'at seq ' + v.seq + ': ' + diffs.slice(0, 8).join('; ');
    }
    throw new Error(last);
  });

  await step('a search by a shown customer key finds its journey, drawn as swimlanes', async () => {
    const rows = await p.ev(rowsJS);
    const r = rows.find(x => x.contacts.split(',').length > 1) || rows[0];
    if (!r) throw new Error('no journey shown');
    await p.ev(`(() => { const s = document.getElementById('jrn-org'); s.value = ${JSON.stringify(r.org)}; return s.value; })()`);
    await p.click(`document.getElementById('jrn-q')`, 'the search box');
    await p.ev(`document.getElementById('jrn-q').value = ''`);
    await p.s('Input.insertText', { text: r.customer });
    await p.click(`document.querySelector('#jrn-form button[type=submit]')`, 'Search');
    await p.waitFor(`document.getElementById('journeys').dataset.search === 'done'`, 'the search\'s answer', 10000);
    await sleep(600); // the next render
    const res = await p.ev(`[...document.querySelectorAll('#jrn-results .jrn-row')].map(x => ({ id: x.dataset.journey, search: x.dataset.search, contacts: x.dataset.contacts,
      bars: x.querySelectorAll('.jrn-bar').length }))`);
    const want = await getJSON(opt.base + '/v1/journeys?org=' + encodeURIComponent(r.org) + '&customer=' + encodeURIComponent(r.customer), opt.token);
    const hit = res.find(x => x.id === r.id);
    if (!hit) throw new Error('searching ' + r.customer + ' in ' + r.org + ' shows ' + res.map(x => x.id).join(',') + ', not ' + r.id);
    if (hit.search !== '1' || hit.bars < 1) throw new Error('the result is not drawn as swimlanes');
    if (res.length !== want.journeys.length) throw new Error(res.length + ' results shown, GET answers ' + want.journeys.length);
    const g = want.journeys.find(j => j.id === r.id);
    if (!g || contactsOf(g) !== hit.contacts) throw new Error('result contacts ' + hit.contacts + ', GET ' + (g ? contactsOf(g) : 'none'));
    if (await p.ev(`!document.getElementById('jrn-list').hidden`)) throw new Error('the live list shows beside the results');
    // a key nobody has: nothing found
    await p.ev(`document.getElementById('jrn-q').value = 'phone#0000000000000000'`);
    await p.click(`document.querySelector('#jrn-form button[type=submit]')`, 'Search');
    await p.waitFor(`document.getElementById('journeys').dataset.search === 'done' && document.querySelectorAll('#jrn-results .jrn-row').length === 0`, 'an empty answer', 10000);
    await p.click(`document.getElementById('jrn-clear')`, 'back to the live journeys');
    await p.waitFor(`document.getElementById('journeys').dataset.search === '' && !document.getElementById('jrn-list').hidden`, 'the live list again', 5000);
  });

  await step('a storm of journey deltas is drawn at most every 500 ms', async () => {
    const org = orgs[0];
    const r = await p.ev(`(async () => {
      const topic = 'journeys:global', id = ${JSON.stringify(org)} + '/j-stormstormstorm', media = ['voice', 'chat', 'email', 'message', 'callback'];
      const t0 = Date.now(), before = window.switchboard.journeys.renders;
      let n = 0, contacts = [];
      while (Date.now() - t0 < 3000) {
        for (let k = 0; k < 25; k++) {
          n++;
          const now = serverNow();
          if (n % 100 === 1) contacts.push({ conversationId: 'storm-' + n, media: media[contacts.length % 5], startedAt: now - 30000, endedAt: null,
            queues: [], agents: [], transfers: n % 200 === 1 ? 1 : 0, dispositioned: false, timedOut: false });
          const j = { id, org: ${JSON.stringify(org)}, customer: 'phone#5707357073570735', state: 'ACTIVE', openedAt: now - 60000, lastActivityAt: now + 3600000,
            closedAt: null, closedReason: null, path: contacts.map(c => c.media), channelSwitches: contacts.length - 1, channels: [], contacts: contacts.slice(), lateEvents: 0 };
          onMessage(JSON.stringify({ type: 'delta', topic, changes: [{ kind: 'journeys', id, data: j }] }));
        }
        await new Promise(res => setTimeout(res, 1));
      }
      const t1 = Date.now();
      await new Promise(res => setTimeout(res, 700));
      const row = document.querySelector('#jrn-list .jrn-row[data-journey="' + id + '"]');
      const shown = row ? row.dataset.contacts.split(',').length : 0;
      onMessage(JSON.stringify({ type: 'delta', topic, changes: [{ kind: 'journeys', id, removed: true }] }));
      const log = window.switchboard.journeys.renderLog.filter(x => x >= t0 && x <= t1 + 700);
      return { n, t0, t1, log, renders: window.switchboard.journeys.renders - before, contacts: contacts.length, shown };
    })()`);
    const gaps = r.log.slice(1).map((t, i) => t - r.log[i]);
    const span = r.t1 - r.t0;
    if (r.n < 600) throw new Error('only ' + r.n + ' deltas injected in ' + span + ' ms: no storm');
    if (r.log.length > Math.ceil(span / 500) + 2) throw new Error(r.log.length + ' renders for ' + r.n + ' deltas in ' + span + ' ms');
    if (gaps.some(g => g < 495)) throw new Error('renders ' + gaps.filter(g => g < 495).join(', ') + ' ms apart');
    if (r.log.length < Math.floor(span / 500) - 1) throw new Error('only ' + r.log.length + ' renders in ' + span + ' ms: the view froze');
    if (r.shown !== r.contacts) throw new Error('after the storm the journey shows ' + r.shown + ' contacts, the last delta had ' + r.contacts);
    await p.waitFor(`!document.querySelector('#jrn-list .jrn-row[data-journey$="/j-stormstormstorm"]')`, 'the storm journey removed', 5000);
    console.log(`wall-check: note journeys storm: ${r.n} deltas in ${span} ms, ${r.log.length} renders, gaps ${Math.min(...gaps)}–${Math.max(...gaps)} ms`);
  });

  if (opt.shots) {
    await step('screenshot', async () => {
      await p.size(1920, 1080);
      await p.click(`document.getElementById('jrn-several')`, 'several contacts');
      await p.waitFor(`document.getElementById('jrn-several').getAttribute('aria-pressed') === 'true' && [...document.querySelectorAll('#jrn-list .jrn-row')].every(r => r.dataset.contacts.includes(','))`, 'journeys with several contacts only', 5000);
      await sleep(800);
      await p.shot(path.join(opt.shots, 'journeys.png'));
      await p.click(`document.getElementById('jrn-several')`, 'several contacts');
      await p.size(w, h);
    });
  }

  const regional = orgs.find(o => o !== orgs[0]) || orgs[0];
  await step('a regional token reads journeys:' + regional + ' only', async () => {
    await p.go(opt.base + '/?token=' + encodeURIComponent('demo-' + regional) + '&view=journeys');
    await p.waitFor(`(() => { const s = document.getElementById('journeys'); return !s.hidden && s.dataset.topics === 'journeys:${regional}' && s.dataset.orgs === '${regional}'
      && document.querySelectorAll('#jrn-list .jrn-row').length > 0; })()`, 'the regional journeys view', 60000);
    const foreign = await p.ev(`[...document.querySelectorAll('#jrn-list .jrn-row')].filter(r => r.dataset.org !== '${regional}').map(r => r.dataset.journey)`);
    if (foreign.length) throw new Error('another org\'s journeys on a ' + regional + ' page: ' + foreign.slice(0, 5).join(', '));
  });
};
