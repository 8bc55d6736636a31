#!/usr/bin/env node
// Wall-fit and navigation checks for the master dashboard, driving headless Chromium over the DevTools
// protocol on a pipe (--remote-debugging-pipe: no WebSocket library, nothing but node and chromium).
//
//   node Tests/Browser/wall-check.js --base URL --token TOKEN [options]
//
// For each --sizes entry (default 1366x768,1920x1080,3840x2160) it loads the board and checks that
//   - every org has a card whose status pill, banner, "updated … ago" line and counts are not clipped
//     (checked here from the boxes, and the page's own data-clipped="0" agrees) and are inside the window,
//   - every queue of the bridge's snapshot (GET /v1/views/global) is reachable: it has a tile on one of
//     the pages (#queues data-queue-pages, tile data-page), and on every page each tile of that page is
//     fully inside the queue panel and the window; the page indicator reads "page P/N" when N > 1,
//   - a tile that cannot show a figure at its width marks it (data-dropped, "…"),
//   - the quality strip is one line per org, the utilization strip has its hour axis,
//   - no 12-hour time ("8:21:52 PM") anywhere,
// and writes a screenshot per size into --shots DIR (wall-<tag>-<W>x<H>.png).
// --trends on also checks the trends (docs/dashboard.md, "Trends"): the header and every org card show a
// sparkline with at least one point and the "yday" / "last wk" figures, unclipped; every queue tile a
// sparkline with at least one point. --trends off (a bridge with `store: none`): no trend element shown.
// Whenever the speech-text strip shows, it must be inside the window with every shown count readable and
// the hot calls that do not fit its list counted in its head.
// --nav also clicks its way org card → org view → queue → agent (and a heatmap tile), checks the panels,
// goes back with the browser's history, opens deep links, and fetches every CSV button's export.
// Prints one "wall-check: PASS …" / "FAIL …" line per check; exits 1 on any failure, 2 on usage.
//
// Options:
//   --orgs "us emea apac"   org ids that must have a card (default: the snapshot's orgs)
//   --sizes LIST            comma-separated WxH
//   --shots DIR             screenshot directory (default: none)
//   --tag NAME              screenshot name part (default: <N>orgs)
//   --nav                   run the navigation checks (at the first size)
//   --trends on|off         check the trends are shown (with a history store) or hidden (store: none)
//   --speech                the speech strip checks (at the first size)
//   --speechtext            the speech-text checks (speechtext-checks.js, at the first size); --transcripts ORG
//                           names the org that pushes transcripts (default the first)
//   --journeys              the journeys checks (journeys-checks.js, at the first size; with --shots also
//                           DIR/journeys.png)
//   --timeout S             per wait (default 60)
'use strict';
const { spawn, execSync } = require('child_process');
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const speechTextChecks = require('./speechtext-checks.js');
const journeysChecks = require('./journeys-checks.js');

const opt = { sizes: '1366x768,1920x1080,3840x2160', timeout: 60, nav: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--nav') opt.nav = true;
  else if (a === '--speech') opt.speech = true;
  else if (a === '--speechtext') opt.speechtext = true;
  else if (a === '--journeys') opt.journeys = true;
  else if (a.startsWith('--') && i + 1 < argv.length) opt[a.slice(2)] = argv[++i];
  else { console.error('wall-check: unknown argument ' + a); process.exit(2); }
}
if (!opt.base || !opt.token) { console.error('usage: wall-check.js --base URL --token TOKEN [--orgs "…"] [--sizes …] [--shots DIR] [--nav] [--speech]'); process.exit(2); }
opt.base = opt.base.replace(/\/$/, '');
const TIMEOUT = Number(opt.timeout) * 1000;
const sleep = (ms) => new Promise(r => setTimeout(r, ms));

function getJSON(url, token) {
  return new Promise((res, rej) => {
    const req = http.get(url, { headers: { authorization: 'Bearer ' + token, accept: 'application/json' } }, (r) => {
      let b = ''; r.setEncoding('utf8'); r.on('data', d => (b += d));
      r.on('end', () => { try { res(JSON.parse(b)); } catch (e) { rej(new Error('bad JSON from ' + url + ': ' + b.slice(0, 200))); } });
    });
    req.on('error', rej);
  });
}
async function snapshot() {
  const body = await getJSON(opt.base + '/v1/views/global', opt.token);
  const d = body.data && body.data.orgs ? body.data : body;
  return { orgs: (d.orgs || []).map(o => String(o.id)), queues: (d.queues || []).map(q => String(q.id)), agents: d.agents || [] };
}

// ---- a tiny CDP client over the pipe ----
function launch() {
  const bin = ['chromium', 'chromium-browser', 'google-chrome'].find(b => { try { execSync('command -v ' + b, { stdio: 'ignore' }); return true; } catch (e) { return false; } });
  if (!bin) { console.log('wall-check: FAIL no chromium found'); process.exit(2); }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wallcheck-'));
  const proc = spawn(bin, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--no-default-browser-check',
    '--disable-extensions', '--remote-debugging-pipe', '--user-data-dir=' + profile, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const w = proc.stdio[3], r = proc.stdio[4];
  let buf = '', id = 0;
  const pending = new Map(), listeners = [];
  r.setEncoding('utf8');
  r.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\0')) >= 0) {
      const m = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
      if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } else if (m.method) for (const l of listeners.slice()) l(m);
    }
  });
  const send = (method, params, sessionId) => new Promise((res, rej) => {
    const i = ++id;
    pending.set(i, (m) => (m.error ? rej(new Error(method + ': ' + JSON.stringify(m.error))) : res(m.result)));
    w.write(JSON.stringify({ id: i, method, params: params || {}, sessionId }) + '\0');
  });
  const close = () => { try { proc.kill('SIGKILL'); } catch (e) { /* gone */ } try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* ignore */ } };
  process.on('exit', close);
  return { send, listeners, close };
}

async function openPage(b) {
  const t = await b.send('Target.getTargets');
  const page = t.targetInfos.find(x => x.type === 'page');
  const { sessionId } = await b.send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
  const s = (m, p) => b.send(m, p, sessionId);
  await s('Page.enable'); await s('Runtime.enable');
  const ev = async (expr) => {
    const r = await s('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('eval: ' + (r.exceptionDetails.exception ? r.exceptionDetails.exception.description : r.exceptionDetails.text));
    return r.result.value;
  };
  const waitFor = async (expr, what, ms) => {
    const end = Date.now() + (ms || TIMEOUT);
    let last;
    while (Date.now() < end) {
      try { last = await ev(expr); if (last) return last; } catch (e) { last = e.message; }
      await sleep(250);
    }
    let state = '';
    try { state = await ev(`'address ' + location.pathname + location.search + ', view ' + document.body.dataset.view + ', ' + document.querySelectorAll('article.org').length + ' org cards'`); } catch (e) { /* page gone */ }
    throw new Error('timed out waiting for ' + what + (last ? ' (last: ' + JSON.stringify(last).slice(0, 300) + ')' : '') + (state ? ' [' + state + ']' : ''));
  };
  const size = async (w, h) => s('Emulation.setDeviceMetricsOverride', { width: w, height: h, deviceScaleFactor: 1, mobile: false });
  const go = async (url) => {
    const loaded = new Promise(res => { const l = (m) => { if (m.method === 'Page.loadEventFired' && m.sessionId === sessionId) { b.listeners.splice(b.listeners.indexOf(l), 1); res(); } }; b.listeners.push(l); });
    await s('Page.navigate', { url });
    await Promise.race([loaded, sleep(15000)]);
  };
  const click = async (expr, what) => {
    const p = await ev(`(() => { const e = ${expr}; if (!e) return null; e.scrollIntoView({block: 'nearest'}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`);
    if (!p) throw new Error('nothing to click: ' + what);
    await s('Input.dispatchMouseEvent', { type: 'mouseMoved', x: p[0], y: p[1] });
    await s('Input.dispatchMouseEvent', { type: 'mousePressed', x: p[0], y: p[1], button: 'left', clickCount: 1 });
    await s('Input.dispatchMouseEvent', { type: 'mouseReleased', x: p[0], y: p[1], button: 'left', clickCount: 1 });
  };
  const shot = async (file) => {
    const r = await s('Page.captureScreenshot', { format: 'png' });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
  };
  return { ev, waitFor, size, go, click, shot, s };
}

// ---- in-page checks (return a list of problems) ----
// The figures a tile does not show — hidden by a container query, or cut off by the tile or by the service
// line (which clips) — each by the name its data-dropped entry starts with ("occ", "ASA"). Found here from
// the markup, not from the page's own marking: the big figures (.q-fig) and the service line's spans.
const UNSHOWN = `((t) => { const box = t.getBoundingClientRect(), out = [];
  for (const f of t.querySelectorAll('.q-fig, .q-svc > *')) {
    const svc = f.parentElement.classList.contains('q-svc'), line = svc ? f.parentElement.getBoundingClientRect() : box;
    const r = f.getBoundingClientRect();
    if (f.offsetParent === null || r.width === 0 || r.right > Math.min(box.right, line.right) + 1 || r.bottom > Math.min(box.bottom, line.bottom) + 1)
      out.push(svc ? f.textContent.split(' ')[0] : f.querySelector('.fig-label').textContent);
  }
  return out; })`;
// the names of a tile's figures that it hides without naming them in data-dropped (and so in its tooltip)
const UNMARKED = `((t) => ${UNSHOWN}(t).filter(n => !(t.dataset.dropped || '').split(' · ').some(d => d.startsWith(n + ' '))))`;
const FIT_CHECK = (orgs) => `(() => {
  const out = [], vw = innerWidth, vh = innerHeight;
  for (const id of ${JSON.stringify(orgs)}) {
    const c = document.querySelector('article.org[data-org="' + id + '"]');
    if (!c) { out.push('no card for ' + id); continue; }
    const box = c.getBoundingClientRect();
    if (box.right > vw + 1 || box.bottom > vh + 1) out.push(id + ' card is outside the window');
    if (c.dataset.clipped !== '0') out.push(id + ' card data-clipped=' + c.dataset.clipped + ' (' + c.dataset.clippedWhat + ')');
    for (const cls of ['pill', 'org-banner', 'org-age', 'org-counts', 'org-trend']) {
      const e = c.querySelector('.' + cls);
      if (!e || e.hidden || e.offsetParent === null) continue;
      const r = e.getBoundingClientRect();
      if (e.scrollWidth > e.clientWidth + 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.bottom > vh + 1)
        out.push(id + ' ' + cls + ' "' + e.textContent + '" is clipped');
      if (!e.textContent.trim()) out.push(id + ' ' + cls + ' is empty');
    }
  }
  // the header stays one line inside the window, its clock included
  const top = document.querySelector('header.top'), clock = document.getElementById('clock').getBoundingClientRect();
  if (top.scrollWidth > top.clientWidth + 1 || clock.right > vw + 1) out.push('the header does not fit the window (' + top.scrollWidth + ' > ' + top.clientWidth + ' px, clock ends at ' + Math.round(clock.right) + ')');
  const text = document.body.innerText;
  const m = /\\b\\d{1,2}:\\d\\d(:\\d\\d)?\\s?[AaPp]\\.?[Mm]\\b/.exec(text);
  if (m) out.push('12-hour time on the page: ' + m[0]);
  const util = document.getElementById('util');
  if (!util.hidden && util.querySelectorAll('.util-axis .ua').length !== 24) out.push('utilization strip has no hour axis');
  for (const r of document.querySelectorAll('#util .util-row:not(.util-axis-row)')) {
    const sum = r.querySelector('.util-sum'), rr = r.getBoundingClientRect(), sr = sum.getBoundingClientRect();
    if (sum.scrollWidth > sum.clientWidth + 1 || sr.height > rr.height + 1 || sr.right > rr.right + 1) out.push('utilization total of ' + r.dataset.org + ' does not fit its row');
  }
  for (const r of document.querySelectorAll('#quality .q-org')) {
    const line = r.querySelector('.q-line');
    if (line && line.getBoundingClientRect().height > parseFloat(getComputedStyle(line).lineHeight || 20) * 1.6) out.push('quality line of ' + r.dataset.org + ' wraps');
  }
  // the speech-text strip (speechtext.js): inside the window, each org on one row, every shown count readable,
  // the hot calls inside their list, the ones left out counted
  const stt = document.getElementById('speechtext');
  if (stt && !stt.hidden) {
    const sr = stt.getBoundingClientRect();
    if (sr.right > vw + 1 || sr.bottom > vh + 1) out.push('the speech-text strip is outside the window');
    for (const r of stt.querySelectorAll('.stt-org')) {
      const rr = r.getBoundingClientRect();
      if (r.scrollHeight > r.clientHeight + 1) out.push('speech-text row of ' + r.dataset.org + ' wraps');
      for (const c of r.querySelectorAll('.stt-lab')) {
        const n = c.querySelector('.stt-n').getBoundingClientRect(), cr = c.getBoundingClientRect(), lr = c.parentElement.getBoundingClientRect();
        if (n.width === 0 || n.right > cr.right + 1 || n.right > lr.right + 1) out.push('speech-text counts of ' + r.dataset.org + ' ' + c.dataset.label + ' are cut off');
      }
      for (const e of r.querySelectorAll('.stt-neg, .stt-hotn')) if (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > rr.right + 1) out.push('speech-text ' + e.className + ' of ' + r.dataset.org + ' is cut off');
    }
    const list = stt.querySelector('.stt-calls'), lb = list.getBoundingClientRect();
    const rows = [...list.querySelectorAll('.stt-call')], shownRows = rows.filter(x => !x.hidden);
    for (const x of shownRows) { const b = x.getBoundingClientRect(); if (b.bottom > lb.bottom + 1 || b.right > lb.right + 1) out.push('hot call ' + x.dataset.call + ' is cut off (row ' + Math.round(b.right) + '×' + Math.round(b.bottom) + ' past the list at ' + Math.round(lb.right) + '×' + Math.round(lb.bottom) + ', right×bottom)'); }
    if (Number(stt.dataset.hotShown) !== shownRows.length) out.push('hot calls shown ' + shownRows.length + ', data-hot-shown ' + stt.dataset.hotShown);
    const more = Number(stt.dataset.hot) - shownRows.length, head = stt.querySelector('.stt-hot-head').textContent;
    if (more > 0 && !head.includes(more + ' more')) out.push(more + ' hot call(s) not shown without a sign ("' + head + '")');
    if (Number(stt.dataset.hot) > 0 && shownRows.length === 0) out.push('no hot call fits the list');
  }
  const hw = document.getElementById('heat-wrap').getBoundingClientRect();
  if (hw.height < 60) out.push('heatmap squeezed to ' + Math.round(hw.height) + ' px');
  return out;
})()`;

const PAGE_CHECK = (queues) => `(async () => {
  const host = document.getElementById('queues'), vw = innerWidth, vh = innerHeight;
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 30)));
  // data arriving (a strip, a banner) can resize the panel mid-check: the pages are then laid out again;
  // start over when their number changed, up to three times
  for (let attempt = 0; ; attempt++) {
    window.switchboard.queuePage(1);
    await frame();
    const r = await checkPages();
    if (!r.moved || attempt >= 2) return r;
  }
  async function checkPages() {
  const out = [];
  const pages = Number(host.dataset.queuePages);
  if (!(pages >= 1)) return { problems: ['#queues has no data-queue-pages'], pages: 0, dropped: 0 };
  const tiles = new Map([...host.querySelectorAll('.qtile[data-queue]')].map(t => [t.dataset.queue, t]));
  for (const q of ${JSON.stringify(queues)}) {
    const t = tiles.get(q);
    if (!t) { out.push('queue ' + q + ' has no tile'); continue; }
    const p = Number(t.dataset.page);
    if (!(p >= 1 && p <= pages)) out.push('queue ' + q + ' is on no page (data-page=' + t.dataset.page + ')');
  }
  let dropped = 0;
  for (let p = 1; p <= pages; p++) {
    window.switchboard.queuePage(p);
    await frame();
    if (Number(host.dataset.queuePages) !== pages) return { moved: true, problems: ['pages changed during the check'], pages, dropped };
    if (Number(host.dataset.queuePage) !== p) { out.push('could not turn to page ' + p); continue; }
    const box = host.getBoundingClientRect();
    if (pages > 1) {
      const pg = document.getElementById('q-pager');
      const txt = pg.querySelector('.pg-text').textContent;
      if (pg.hidden || pg.offsetParent === null) out.push('page indicator hidden with ' + pages + ' pages');
      else if (txt !== 'page ' + p + '/' + pages) out.push('page indicator reads "' + txt + '" on page ' + p + '/' + pages);
    }
    let onPage = 0;
    for (const t of tiles.values()) {
      const mine = Number(t.dataset.page) === p;
      const shown = !t.hidden && t.offsetParent !== null;
      if (mine !== shown) { out.push('tile ' + t.dataset.queue + ' (page ' + t.dataset.page + ') shown=' + shown + ' on page ' + p); continue; }
      if (!mine) continue;
      onPage++;
      const r = t.getBoundingClientRect();
      if (r.bottom > box.bottom + 1 || r.right > box.right + 1 || r.bottom > vh + 1 || r.right > vw + 1)
        out.push('tile ' + t.dataset.queue + ' on page ' + p + ' is cut off (' + Math.round(r.bottom) + ' > ' + Math.round(box.bottom) + ')');
      dropped += ${UNSHOWN}(t).length;
      const unmarked = ${UNMARKED}(t);
      if (unmarked.length) out.push('tile ' + t.dataset.queue + ' hides ' + unmarked.join(', ') + ' without a sign');
    }
    if (!onPage && tiles.size) out.push('page ' + p + ' is empty');
  }
  window.switchboard.queuePage(1);
  await frame();
  return { problems: out, pages, dropped };
  }
})()`;

// ---- trends ----
const TRENDS_READY = (orgs) => `(() => {
  if (document.body.dataset.trends !== 'on') return false;
  const pts = (e) => e && (Number((e.querySelector('svg.spark') || e).dataset.points) >= 1 || ${YOUNG_DAY}(e));
  if (!pts(document.getElementById('g-trend-box'))) return false;
  if (!${JSON.stringify(orgs)}.every(o => pts(document.querySelector('article.org[data-org="' + o + '"] .org-trend')))) return false;
  return [...document.querySelectorAll('#queues .qtile[data-queue] svg.q-spark')].every(s => s.dataset.trend === 'on' && Number(s.dataset.points) >= 1);
})()`;
// A local day younger than 30 minutes (business time) has no closed bucket yet and nothing to compare "so far
// today" with: its sparkline is empty and its compare figures read "—", rightly.
const YOUNG_DAY = `((e) => { const s = e && (e.querySelector('svg.spark') || e); const from = s && Date.parse(s.dataset.from || '');
  return isFinite(from) && serverNow() - from < 30 * 60 * 1000; })`;
const TRENDS_CHECK = (orgs) => `(() => {
  const out = [], vw = innerWidth, vh = innerHeight;
  const young = ${YOUNG_DAY};
  const shown = (e) => e && !e.hidden && e.offsetParent !== null && getComputedStyle(e).display !== 'none';
  const box = (what, e, cmpBox) => {
    if (!shown(e)) { out.push(what + ' trend is not shown (data-trend=' + (e && e.dataset.trend) + ')'); return; }
    const svg = e.querySelector('svg.spark'), r = e.getBoundingClientRect(), sr = svg.getBoundingClientRect();
    const fresh = young(e); // just after the org's local midnight: nothing closed, nothing to compare yet
    if (!fresh && !(Number(svg.dataset.points) >= 1)) out.push(what + ' sparkline has no point');
    if (sr.width < 20 || sr.height < 6) out.push(what + ' sparkline is ' + Math.round(sr.width) + '×' + Math.round(sr.height) + ' px');
    if (r.right > vw + 1 || r.bottom > vh + 1) out.push(what + ' trend is outside the window');
    if (e.scrollWidth > e.clientWidth + 1) out.push(what + ' trend is clipped');
    if (cmpBox && cmpBox.getBoundingClientRect().right > vw + 1) out.push(what + ' compare figures are outside the window');
    const fig = fresh ? /^(\\d+%|—)$/ : /^\\d+%$/, line = fresh ? '(\\\\d+%|—)' : '\\\\d+%';
    for (const k of ['yday', 'week']) if (!fig.test(e.dataset[k] || '')) out.push(what + ' ' + k + ' figure reads "' + e.dataset[k] + '"');
    const cmp = (cmpBox || e).querySelector('.cmp');
    if (!shown(cmp) || !new RegExp('yday\\\\s+' + line).test(cmp.textContent) || !new RegExp('last wk\\\\s+' + line).test(cmp.textContent)) out.push(what + ' compare line reads "' + (cmp && cmp.textContent) + '"');
  };
  box('header', document.getElementById('g-trend-box'), document.getElementById('g-cmp'));
  for (const id of ${JSON.stringify(orgs)}) box(id, document.querySelector('article.org[data-org="' + id + '"] .org-trend'));
  let tiles = 0;
  const empty = [];
  for (const t of document.querySelectorAll('#queues .qtile[data-queue]')) {
    const s = t.querySelector('svg.q-spark');
    if (!s || s.dataset.trend !== 'on') { out.push('queue ' + t.dataset.queue + ' has no sparkline (' + (s ? s.dataset.trend : 'none') + ')'); continue; }
    // no point drawn: right only when the bridge has none either (a queue nobody was on for 2 hours);
    // checked against GET /v1/history below
    if (!(Number(s.dataset.points) >= 1)) empty.push({ queue: t.dataset.queue, from: s.dataset.from, to: s.dataset.to });
    if (t.hidden) continue;
    tiles++;
    const r = s.getBoundingClientRect(), tr = t.getBoundingClientRect();
    if (r.width < 20 || r.right > tr.right + 1 || r.bottom > tr.bottom + 1) out.push('queue ' + t.dataset.queue + ' sparkline does not fit its tile');
  }
  return { problems: out, tiles, empty };
})()`;
// A queue sparkline without a point is a failure unless the bridge's history has no occupancy in that range.
// The history can gain its point after the board asked (a bridge that has just started writes its backfill
// while the board loads): the board asks again for a series that lacks its newest closed bucket, backing off
// 5, 10, 20, 40 s, so a point the bridge has must reach the tile within a minute.
async function emptySparkProblems(p, empty) {
  const out = [];
  for (const e of empty) {
    const q = new URLSearchParams({ topic: 'queue:' + e.queue, step: '15m', from: e.from || '', to: e.to || '' });
    const body = await getJSON(opt.base + '/v1/history?' + q, opt.token);
    const n = (body.points || []).filter(p => typeof p.occupancy === 'number').length;
    if (n === 0) continue;
    try {
      await p.waitFor(`(() => { const s = document.querySelector('#queues .qtile[data-queue="${e.queue}"] svg.q-spark'); return s && Number(s.dataset.points) >= 1; })()`, 'the point of queue ' + e.queue, 60000);
    } catch (err) {
      out.push('queue ' + e.queue + ' sparkline has no point a minute after /v1/history had ' + n + ' for ' + e.from + '–' + e.to);
    }
  }
  return out;
}
const TRENDS_HIDDEN = `(() => {
  const out = [];
  if (document.body.dataset.trends !== 'off') out.push('body data-trends=' + document.body.dataset.trends);
  const visible = [...document.querySelectorAll('.trend, svg.spark')].filter(e => e.getBoundingClientRect().width > 0);
  if (visible.length) out.push(visible.length + ' trend element(s) shown: ' + visible.slice(0, 3).map(e => e.className.baseVal || e.className).join(', '));
  return out;
})()`;

async function waitReady(p, snap, orgs) {
  await p.waitFor(`document.body.dataset.connected === 'true' && ${JSON.stringify(orgs)}.every(o => document.querySelector('article.org[data-org="' + o + '"]'))`, 'the org cards');
  await p.waitFor(`(() => { const ids = new Set([...document.querySelectorAll('#queues .qtile[data-queue]')].map(t => t.dataset.queue)); return ${JSON.stringify(snap.queues)}.every(q => ids.has(q)); })()`, 'a tile for every queue');
  // the strips fill with each org's first utilization and quality poll, the cards' figures with the first
  // refresh (seconds at demo speed): wait for a representative board a little, without failing on it
  try {
    await p.waitFor(`document.querySelectorAll('#util .util-row[data-org]').length >= ${orgs.length} && document.querySelectorAll('#quality .q-org').length >= ${orgs.length}
      && [...document.querySelectorAll('article.org .fig-val')].every(f => f.textContent !== '—')`, 'a full board', 20000);
  } catch (e) { /* optional */ }
  await sleep(600);
}

async function main() {
  const b = launch();
  const p = await openPage(b);
  let failed = false;
  const pass = (m) => console.log('wall-check: PASS ' + m);
  const fail = (m) => { console.log('wall-check: FAIL ' + m); failed = true; };
  const snap = await snapshot();
  const orgs = opt.orgs ? opt.orgs.split(/[\s,]+/).filter(Boolean) : snap.orgs;
  const tag = opt.tag || orgs.length + 'orgs';
  const url = opt.base + '/?token=' + encodeURIComponent(opt.token);
  const sizes = opt.sizes.split(',').map(x => x.split('x').map(Number));
  for (const [w, h] of sizes) {
    const what = tag + ' at ' + w + 'x' + h;
    try {
      await p.size(w, h);
      await p.go(url);
      const fresh = await snapshot();
      await waitReady(p, fresh, orgs);
      let trendNote = '';
      const trendProblems = [];
      if (opt.trends === 'on') {
        // a queue nobody was on has no point, rightly: wait a while for points, then compare with the bridge
        try { await p.waitFor(TRENDS_READY(orgs), 'the trends (header, every org card, every queue tile)', 25000); } catch (e) { /* reported below */ }
        const t = await p.ev(TRENDS_CHECK(orgs));
        trendProblems.push(...t.problems, ...await emptySparkProblems(p, t.empty || []));
        trendNote = ', trends on header, ' + orgs.length + ' org cards and every tile';
      } else if (opt.trends === 'off') {
        try { await p.waitFor(`document.body.dataset.trends === 'off'`, 'the board to learn there is no history'); } catch (e) { /* reported below */ }
        trendProblems.push(...await p.ev(TRENDS_HIDDEN));
        trendNote = ', no trends (store: none)';
      }
      const problems = await p.ev(FIT_CHECK(orgs));
      const pg = await p.ev(PAGE_CHECK((await snapshot()).queues));
      const all = problems.concat(pg.problems || [], trendProblems);
      if (opt.shots) await p.shot(path.join(opt.shots, `wall-${tag}-${w}x${h}.png`));
      const info = await p.ev(`({cols: document.getElementById('orgs').dataset.cols, rows: document.getElementById('orgs').dataset.rows, tiles: document.querySelectorAll('#queues .qtile').length})`);
      const summary = `${what}: ${orgs.length} org cards in ${info.rows}×${info.cols}, ${info.tiles} queues on ${pg.pages} page(s), ${pg.dropped} figure(s) marked dropped${trendNote}`;
      if (all.length) fail(summary + ' — ' + all.slice(0, 12).join('; ') + (all.length > 12 ? ' (+' + (all.length - 12) + ' more)' : ''));
      else pass(summary);
    } catch (e) { fail(what + ': ' + e.message); }
  }
  if (opt.nav) {
    try { await navChecks(p, sizes[0], url, orgs, pass, fail); } catch (e) { fail('navigation: ' + e.message); }
  }
  if (opt.speech) {
    try { await speechChecks(p, sizes[0], orgs, pass, fail); } catch (e) { fail('speech: ' + e.message); }
  }
  if (opt.speechtext) {
    try { await speechTextChecks({ p, size: sizes[0], orgs, pass, fail, opt, getJSON, waitReady, snapshot, sleep }); } catch (e) { fail('speech text: ' + e.message); }
  }
  if (opt.journeys) {
    try { await journeysChecks({ p, size: sizes[0], orgs, pass, fail, opt, getJSON, waitReady, snapshot, sleep }); } catch (e) { fail('journeys: ' + e.message); }
  }
  b.close();
  process.exit(failed ? 1 : 0);
}

// ---- speech strip (docs/dashboard.md "Speech"): every org's line, details, a regional token ----
async function speechChecks(p, [w, h], orgs, pass, fail) {
  await p.size(w, h);
  await p.go(opt.base + '/?token=' + encodeURIComponent(opt.token));
  const snap = await snapshot();
  await waitReady(p, snap, orgs);
  const step = async (name, fn) => { try { await fn(); pass('speech: ' + name); } catch (e) { fail('speech: ' + name + ': ' + e.message); } };
  await step('a line per org with monitored calls, figures as on speech:global', async () => {
    await p.waitFor(`(() => { const s = document.getElementById('speech'); return !s.hidden && s.dataset.topics === 'speech:global'
      && ${JSON.stringify(orgs)}.every(o => { const r = s.querySelector('.sp-org[data-org="' + o + '"]'); return r && Number(r.dataset.calls) > 0; }); })()`,
      'a speech line for every org', 60000);
    const body = await getJSON(opt.base + '/v1/views/speech:global', opt.token);
    const d = body.data || body;
    const shown = await p.ev(`[...document.querySelectorAll('#speech .sp-org')].map(r => [r.dataset.org, Number(r.dataset.calls)])`);
    for (const [org, calls] of shown) {
      const o = (d.orgs || []).find(x => String(x.id) === org);
      if (!o) throw new Error('the strip shows ' + org + ', speech:global has no such org');
      if (calls > o.calls) throw new Error(org + ': the strip shows ' + calls + ' calls, speech:global has ' + o.calls);
    }
    const fit = await p.ev(`(() => { const s = document.getElementById('speech').getBoundingClientRect(); return s.right <= innerWidth + 1 && s.bottom <= innerHeight + 1; })()`);
    if (!fit) throw new Error('the speech strip does not fit the window');
  });
  const org = orgs[0];
  await step('details: live calls worst first and queue bars', async () => {
    await p.click(`document.querySelector('#speech button[data-speech-org="${org}"]')`, 'speech details');
    await p.waitFor(`(() => { const d = document.querySelector('#speech .sp-details[data-org="${org}"]'); return d && d.querySelectorAll('.sp-bar').length > 0; })()`, 'the speech details', 20000);
    const calls = await p.ev(`[...document.querySelectorAll('#speech .sp-details .sp-call')].map(c => [Number(c.dataset.analysed) >= 10000 ? 1 : 0, Number(c.dataset.overtalk) || 0])`);
    for (let i = 1; i < calls.length; i++) {
      const [s0, o0] = calls[i - 1], [s1, o1] = calls[i];
      if (s1 > s0 || (s1 === s0 && o1 > o0)) throw new Error('calls are not sorted worst overtalk first (settled calls first): ' + JSON.stringify(calls));
    }
    if (opt.shots) await p.shot(path.join(opt.shots, 'speech-details.png'));
  });
  await step('a call opens its agent\'s panel', async () => {
    await p.waitFor(`!!document.querySelector('#speech .sp-call[data-open-agent]')`, 'a live call joined to an agent', 30000);
    const agent = await p.ev(`document.querySelector('#speech .sp-call[data-open-agent]').dataset.openAgent`);
    await p.click(`document.querySelector('#speech .sp-call[data-open-agent]')`, 'a call');
    await p.waitFor(`!document.getElementById('agent-panel').hidden && document.getElementById('agent-panel').dataset.agent === ${JSON.stringify(agent)}`, 'the agent panel');
  });
  const regional = orgs[orgs.length - 1];
  await step('a regional token sees only its org (speech:' + regional + ')', async () => {
    await p.go(opt.base + '/?token=demo-' + encodeURIComponent(regional));
    await p.waitFor(`(() => { const s = document.getElementById('speech'); return !s.hidden && s.dataset.topics === 'speech:${regional}' && s.querySelectorAll('.sp-org').length === 1
      && !!s.querySelector('.sp-org[data-org="${regional}"]'); })()`, 'the regional speech strip', 60000);
  });
}

// ---- navigation: clicks, the back button, deep links, exports ----
async function navChecks(p, [w, h], url, orgs, pass, fail) {
  await p.size(w, h);
  await p.go(url);
  const snap = await snapshot();
  await waitReady(p, snap, orgs);
  const org = orgs[orgs.length > 1 ? 1 : 0];
  const shots = opt.shots;
  const step = async (name, fn) => { try { await fn(); pass('navigation: ' + name); } catch (e) { fail('navigation: ' + name + ': ' + e.message); throw e; } };

  await step('org card → org view', async () => {
    await p.click(`document.querySelector('article.org[data-org="${org}"]')`, 'org card');
    await p.waitFor(`document.body.dataset.view === 'org' && location.search.includes('view=org:${org}') && document.querySelectorAll('article.org').length === 1`, 'the org view');
  });
  // a queue of that org with agents (the agent entity lists its queues)
  const qid = await p.ev(`(() => { const c = new Map(); for (const a of window.switchboard.state.agents.values()) if (a.org === '${org}') for (const q of a.queues || []) c.set(q, (c.get(q) || 0) + 1);
    const tiles = [...document.querySelectorAll('#queues .qtile[data-queue]')].filter(t => c.get(t.dataset.queue) > 0); return tiles.length ? tiles[0].dataset.queue : null; })()`);
  if (!qid) throw new Error('no queue of ' + org + ' has agents listing it (agent entity "queues")');
  await step('queue tile → queue view with its agents', async () => {
    await p.ev(`window.switchboard.queuePage(Number(document.querySelector('.qtile[data-queue="${qid}"]').dataset.page))`);
    await sleep(100);
    await p.click(`document.querySelector('.qtile[data-queue="${qid}"]')`, 'queue tile');
    await p.waitFor(`document.body.dataset.view === 'queue' && document.getElementById('queue-view').dataset.queue === '${qid}' && Number(document.getElementById('queue-view').dataset.agents) > 0 && document.querySelectorAll('#queue-view tr[data-open-agent]').length > 0`, 'the queue view');
    if (shots) await p.shot(path.join(shots, `nav-queue-${w}x${h}.png`));
  });
  const agent = await p.ev(`document.querySelector('#queue-view tr[data-open-agent]').dataset.openAgent`);
  await step('agent row → agent panel (utilization, quality)', async () => {
    await p.click(`document.querySelector('#queue-view tr[data-open-agent]')`, 'agent row');
    await p.waitFor(`(() => { const a = document.getElementById('agent-panel'); return !a.hidden && a.dataset.agent === ${JSON.stringify(agent)} && a.dataset.found === '1' && location.search.includes('agent='); })()`, 'the agent panel');
    const has = await p.ev(`({util: document.querySelectorAll('#ap-util .util-axis').length, forms: document.getElementById('agent-panel').dataset.qualityForms, ivs: document.getElementById('agent-panel').dataset.utilIntervals})`);
    if (Number(has.ivs) > 0 && has.util !== 1) throw new Error('agent utilization has no hour axis');
  });
  await step('interval drill-down loads its conversations', async () => {
    const any = await p.ev(`!!document.querySelector('#ap-util button[data-drill]')`);
    if (!any) return; // nothing handled yet by this agent
    await p.click(`document.querySelector('#ap-util button[data-drill]')`, 'calls');
    // Up to 120 s: the details query shares the org's REST client and rate-limit governor with the pollers and a
    // re-sync, and on a loaded machine the demo's org can be re-syncing just then (a CI run saw EMEA stale moments
    // before, and the drill-down still loading at 60 s); an interactive request has no priority lane there yet.
    await p.waitFor(`document.querySelector('#ap-util tr.drill') && !document.querySelector('#ap-util tr.drill').textContent.includes('Loading')`, 'the drill-down', Math.max(TIMEOUT, 120000));
    const err = await p.ev(`(document.querySelector('#ap-util tr.drill .err') || {}).textContent || ''`);
    if (err) throw new Error(err);
  });
  if (shots) await p.shot(path.join(shots, `nav-agent-${w}x${h}.png`));
  await step('every CSV button downloads its export (HTTP 200, CSV)', async () => {
    const r = await p.ev(`Promise.all([...document.querySelectorAll('button[data-export]')].map(b => fetch(b.dataset.export, {headers: {authorization: 'Bearer ' + window.switchboard.model.token}}).then(async r => [b.dataset.export, r.status, r.headers.get('content-type') || '', (await r.text()).length])))`);
    if (r.length < 4) throw new Error('only ' + r.length + ' CSV buttons');
    const bad = r.filter(([u, st, ct]) => st !== 200 || !/csv/.test(ct));
    if (bad.length) throw new Error(bad.map(x => x.join(' ')).join('; '));
  });
  await step('back button: panel → queue view → org view → board', async () => {
    await p.ev('history.back()');
    await p.waitFor(`document.getElementById('agent-panel').hidden && document.body.dataset.view === 'queue'`, 'the queue view again');
    await p.ev('history.back()');
    await p.waitFor(`document.body.dataset.view === 'org' && !location.search.includes('view=queue')`, 'the org view again');
    await p.ev('history.back()');
    await p.waitFor(`document.body.dataset.view === 'board' && document.querySelectorAll('article.org').length === ${orgs.length}`, 'the board again');
  });
  await step('heatmap tile → agent panel, Escape closes', async () => {
    const cell = await p.ev(`(() => { const c = document.getElementById('heatmap').getBoundingClientRect(); const t = window.switchboard._heat; let best = -1, area = 0; for (let k = 0; k < t.cells; k++) { const a = t.rects[4*k+2]*t.rects[4*k+3]; if (a > area) { area = a; best = k; } } return best < 0 ? null : [c.left + t.rects[4*best] + t.rects[4*best+2]/2, c.top + t.rects[4*best+1] + t.rects[4*best+3]/2, t.ids[best]]; })()`);
    if (!cell) throw new Error('no heatmap cell');
    for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) await p.s('Input.dispatchMouseEvent', { type, x: cell[0], y: cell[1], button: 'left', clickCount: 1 });
    await p.waitFor(`!document.getElementById('agent-panel').hidden && document.getElementById('agent-panel').dataset.agent === ${JSON.stringify(cell[2])}`, 'the agent panel from the heatmap');
    await p.s('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Escape', code: 'Escape', windowsVirtualKeyCode: 27 });
    await p.s('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Escape', code: 'Escape', windowsVirtualKeyCode: 27 });
    await p.waitFor(`document.getElementById('agent-panel').hidden && !location.search.includes('agent=')`, 'the panel closed');
  });
  await step('deep link ?view=queue:…&agent=… opens the queue view and the agent panel', async () => {
    await p.go(url + '&view=' + encodeURIComponent('queue:' + qid) + '&agent=' + encodeURIComponent(agent));
    await p.waitFor(`document.body.dataset.view === 'queue' && document.getElementById('queue-view').dataset.queue === '${qid}' && document.getElementById('agent-panel').dataset.agent === ${JSON.stringify(agent)} && document.getElementById('agent-panel').dataset.found === '1'`, 'the deep-linked panels');
  });
  await step('deep link ?view=org:… shows that org only, with a way back', async () => {
    await p.go(url + '&view=org:' + org);
    await p.waitFor(`document.body.dataset.view === 'org' && document.querySelectorAll('article.org').length === 1 && document.querySelector('article.org').dataset.org === '${org}' && !!document.querySelector('#crumbs [data-crumb="board"]')`, 'the org view');
    await p.click(`document.querySelector('#crumbs [data-crumb="board"]')`, 'the All orgs crumb');
    await p.waitFor(`document.body.dataset.view === 'board' && document.querySelectorAll('article.org').length === ${orgs.length}`, 'the board');
  });
  await step('a tile too narrow for a figure marks it ("…", tooltip) instead of dropping it silently', async () => {
    await p.go(url);
    await waitReady(p, await snapshot(), orgs);
    // squeeze the tiles below the width at which the occupancy figure gives way (style.css container query);
    // from script (CSSOM): the page's Content-Security-Policy (style-src 'self') refuses an injected <style>
    await p.ev(`document.querySelectorAll('#queues .qgrid').forEach(g => g.style.setProperty('grid-template-columns', 'repeat(auto-fill, 10.5rem)', 'important'))`);
    await p.waitFor(`(() => { const rem = parseFloat(getComputedStyle(document.documentElement).fontSize); const t = [...document.querySelectorAll('#queues .qtile:not([hidden])')]; return t.length > 0 && t.every(x => x.getBoundingClientRect().width <= 10.5 * rem + 1); })()`, 'the tiles squeezed to 10.5rem', 5000);
    // every figure a shown tile hides is named in its data-dropped (the big figures and the service line's)
    await p.waitFor(`(() => { const t = [...document.querySelectorAll('#queues .qtile:not([hidden])')]; return t.length > 0 && t.every(x => ${UNMARKED}(x).length === 0) && t.some(x => ${UNSHOWN}(x).length > 0); })()`, 'the dropped figures marked', 10000);
    const ok = await p.ev(`(() => { const t = document.querySelector('#queues .qtile[data-dropped]:not([data-dropped=""]):not([hidden])'); return t && getComputedStyle(t, '::after').content.includes('…') && t.title.includes('not shown at this width'); })()`);
    if (!ok) throw new Error('a tile hides a figure without "…" and a tooltip');
    await p.ev(`document.querySelectorAll('#queues .qgrid').forEach(g => g.style.removeProperty('grid-template-columns'))`);
  });
  await step('kiosk mode shows the page indicator and turns the page by itself', async () => {
    await p.go(url + '&kiosk=1&rotate=3');
    await waitReady(p, await snapshot(), orgs);
    const pages = await p.ev(`Number(document.getElementById('queues').dataset.queuePages)`);
    if (pages < 2) return; // one page: nothing to rotate
    const first = await p.ev(`document.getElementById('queues').dataset.queuePage`);
    await p.waitFor(`document.getElementById('queues').dataset.queuePage !== '${first}' && !document.getElementById('q-pager').hidden`, 'the next page', 8000);
  });
}

main().catch((e) => { console.log('wall-check: FAIL ' + e.message); process.exit(1); });
