#!/usr/bin/env node
// Drives headless Chromium over the DevTools protocol (node-ws only, no puppeteer) through a list
// of steps, for checks that --dump-dom cannot do: hover tooltips, reconnect/resume, seq gaps.
//
//   NODE_PATH=/usr/share/nodejs node Tests/Browser/cdp-run.js [--size 1920,1080] STEP...
// Steps:
//   open URL          navigate and wait for load
//   wait MS           real-time sleep
//   eval EXPR         evaluate in the page, print the JSON result
//   assert EXPR       evaluate; exit 1 with a message if falsy
//   hover X Y         move the mouse to CSS pixel (X, Y)
//   hovercell         move the mouse to the centre of the biggest heatmap cell
//   shot PATH         write a PNG screenshot
//   get URL           plain HTTP GET (e.g. the fake server's /_fake/ controls)
'use strict';
const { spawn } = require('child_process');
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');

let args = process.argv.slice(2);
let size = [1920, 1080];
if (args[0] === '--size') { size = args[1].split(',').map(Number); args = args.slice(2); }

const sleep = (ms) => new Promise(r => setTimeout(r, ms));
function getJSON(url, method) {
  return new Promise((res, rej) => {
    const req = http.request(url, { method: method || 'GET' }, (r) => {
      let b = ''; r.on('data', d => (b += d)); r.on('end', () => { try { res(JSON.parse(b)); } catch (e) { res(b); } });
    });
    req.on('error', rej); req.end();
  });
}

async function main() {
  const port = 9300 + Math.floor(Math.random() * 500);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-prof-'));
  const bin = ['chromium', 'chromium-browser', 'google-chrome'].find(b => { try { require('child_process').execSync('command -v ' + b, { stdio: 'ignore' }); return true; } catch (e) { return false; } });
  const chrome = spawn(bin, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
    `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, `--window-size=${size.join(',')}`, 'about:blank'], { stdio: 'ignore' });
  const cleanup = () => { try { chrome.kill('SIGKILL'); } catch (e) { /* ignore */ } try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* ignore */ } };
  process.on('exit', cleanup);
  let targets = null;
  for (let i = 0; i < 100 && !targets; i++) { await sleep(100); try { targets = await getJSON(`http://127.0.0.1:${port}/json/list`); } catch (e) { /* not yet */ } }
  const page = targets.find(t => t.type === 'page');
  const ws = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise(r => ws.on('open', r));
  let id = 0; const pending = new Map(); const waiters = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); }
    else if (m.method) for (const w of waiters.splice(0)) w(m);
  });
  const cmd = (method, params) => new Promise((res) => { const i = ++id; pending.set(i, res); ws.send(JSON.stringify({ id: i, method, params: params || {} })); });
  await cmd('Page.enable');
  await cmd('Runtime.enable');
  await cmd('Emulation.setDeviceMetricsOverride', { width: size[0], height: size[1], deviceScaleFactor: 1, mobile: false });
  const evaluate = async (expr) => {
    const r = await cmd('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.result.exceptionDetails) throw new Error('eval failed: ' + JSON.stringify(r.result.exceptionDetails.exception || r.result.exceptionDetails));
    return r.result.result.value;
  };
  const steps = args;
  let failed = false;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s === 'open') {
      const url = steps[++i];
      const loaded = new Promise(r => { const w = (m) => { if (m.method === 'Page.loadEventFired') r(); else waiters.push(w); }; waiters.push(w); });
      await cmd('Page.navigate', { url });
      await Promise.race([loaded, sleep(10000)]);
      console.log('opened', url);
    } else if (s === 'wait') { await sleep(Number(steps[++i])); }
    else if (s === 'eval') { const e = steps[++i]; console.log('eval', e, '→', JSON.stringify(await evaluate(e))); }
    else if (s === 'assert') {
      const e = steps[++i]; const v = await evaluate(e);
      if (!v) { console.log('ASSERT FAILED:', e); failed = true; break; } else console.log('ok', e);
    } else if (s === 'hover' || s === 'hovercell') {
      let x, y;
      if (s === 'hover') { x = Number(steps[++i]); y = Number(steps[++i]); }
      else {
        const p = await evaluate(`(() => { const c = document.getElementById('heatmap').getBoundingClientRect(); const t = window.switchboard._heat; let best = -1, area = 0; for (let k = 0; k < t.cells; k++) { const a = t.rects[4*k+2]*t.rects[4*k+3]; if (a > area) { area = a; best = k; } } return [c.left + t.rects[4*best] + t.rects[4*best+2]/2, c.top + t.rects[4*best+1] + t.rects[4*best+3]/2]; })()`);
        [x, y] = p;
      }
      await cmd('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
      console.log('hover', Math.round(x), Math.round(y));
    } else if (s === 'shot') {
      const file = steps[++i];
      const r = await cmd('Page.captureScreenshot', { format: 'png' });
      fs.writeFileSync(file, Buffer.from(r.result.data, 'base64'));
      console.log('shot', file);
    } else if (s === 'get') { const url = steps[++i]; console.log('get', url, '→', JSON.stringify(await getJSON(url))); }
    else { console.log('unknown step', s); failed = true; break; }
  }
  ws.close();
  cleanup();
  process.exit(failed ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
