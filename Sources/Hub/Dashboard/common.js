// Switchboard dashboard — tunables, tiny DOM/format helpers and the server clock, shared by the
// other scripts. Plain scripts, no build step: index.html loads treemap.js, common.js, model.js,
// stream.js, render.js, heatmap.js, app.js in that order (all `defer`); their top-level
// declarations share the page's global scope. At load they only declare (heatmap.js also creates
// its canvas view); app.js wires the events and starts the board.
'use strict';

// ---- tunables (edit here) ------------------------------------------------------------------
// No badge thresholds here: queue, org and totals entities carry `thresholds` (the YAML's, resolved per
// queue and org by the bridge; docs/configuration.md "Thresholds"), and every badge is judged by those.
const AGE_WARN_S = 65;                 // "updated … ago" turns amber past the seed's 65 s watchdog
const PING_EVERY_MS = 20 * 1000;
const SILENCE_LIMIT_MS = 50 * 1000;    // no frame at all for this long → our own socket is a ghost: reconnect
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10 * 1000;
const RESYNC_TIMEOUT_MS = 6 * 1000;    // a resume that brings neither `recovered` nor a snapshot → fresh snapshot
const RELAYOUT_EVERY_MS = 4 * 1000;    // treemap geometry refresh while only sizes change (colours update every frame)
const MAX_ALERTS = 4;
const TOKEN_KEY = 'switchboard.token';

const BAND_COLOUR = { under: '#e9c233', healthy: '#2fbf71', elevated: '#f07f2a', burnout: '#ef4444' };
const NO_BAND_COLOUR = '#5a6578';
const STATUS_COLOUR = { open: '#2fbf71', connecting: '#4ea1ff', stale: '#f5a524', disconnected: '#ef4444' };
const NON_PRODUCTIVE = new Set(['break', 'meal', 'meeting', 'training', 'away', 'offline', 'loggedout', 'notresponding']);

// ---- tiny helpers -------------------------------------------------------------------------
const $ = (id) => document.getElementById(id);
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function setText(e, t) { if (e._t !== t) { e._t = t; e.textContent = t; } }
function setAttr(e, k, v) { const s = String(v); if (e.getAttribute(k) !== s) e.setAttribute(k, s); }
function setClass(e, c) { if (e.className !== c) e.className = c; }
function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
function ratio(v) { v = num(v); return v == null ? null : v; }
function pct(v) { v = ratio(v); return v == null ? '—' : Math.round(v * 100) + '%'; }
function ts(s) { if (!s) return null; const t = typeof s === 'number' ? s : Date.parse(s); return isFinite(t) ? t : null; }
// The band of an aggregate occupancy by an entity's `thresholds.occupancy` {under, healthy, elevated}, as
// the bridge bands agents: < under, ≤ healthy, ≤ elevated, above. 'none' without a figure or thresholds.
function occBand(v, t) {
  v = ratio(v);
  const b = t && t.occupancy;
  if (v == null || !b) return 'none';
  if (v < b.under) return 'under';
  if (v <= b.healthy) return 'healthy';
  if (v <= b.elevated) return 'elevated';
  return 'burnout';
}
// ---- badge levels from the stream's thresholds ----
const LEVEL_RANK = { none: 0, ok: 0, warn: 1, crit: 2 };
function worstLevel(...ls) { return ls.reduce((a, b) => (LEVEL_RANK[b] || 0) > (LEVEL_RANK[a] || 0) ? b : a, 'ok'); }
function levelAbove(v, lim) { return v == null || !lim ? 'ok' : v > lim.critical ? 'crit' : v > lim.warn ? 'warn' : 'ok'; }
function levelWaiting(n, t) { return levelAbove(n, t && t.waiting); }
function levelWait(ms, t) { return levelAbove(ms, t && t.longestWaitMs); }
function levelBand(band) { return band === 'burnout' ? 'crit' : band === 'elevated' ? 'warn' : 'ok'; }
// Service level in the thresholds' window vs its target: below target − criticalMargin → crit, below target →
// warn; 'none' (not judged) while fewer than minCalls conversations were answered or abandoned in the window.
function slWindow(t) { return (t && t.serviceLevel && t.serviceLevel.window) || 'rolling60m'; }
function serviceOf(e, w) {
  const pick = (k) => (e && e[k] && typeof e[k] === 'object') ? num(e[k][w]) : null;
  return { sl: pick('serviceLevel'), calls: pick('serviceLevelCalls'), offered: pick('offered'), answered: pick('answered'),
    abandoned: pick('abandoned'), within: pick('answeredWithinTarget'), abandonRate: pick('abandonRate'), asaMs: pick('asaMs') };
}
function levelSL(e, t) {
  const s = t && t.serviceLevel;
  if (!s) return 'none';
  const x = serviceOf(e, slWindow(t));
  if (x.sl == null || (x.calls || 0) < (s.minCalls || 1)) return 'none';
  const eps = 0.00005;
  if (x.sl < s.target - s.criticalMargin - eps) return 'crit';
  if (x.sl < s.target - eps) return 'warn';
  return 'ok';
}
const WINDOW_TEXT = { today: 'today', rolling15m: '15 min', rolling60m: '60 min' };
// Σ of the orgs' counts, shaped like an entity's service fields (ratios from the sums).
function sumService(list) {
  const out = {};
  for (const k of ['offered', 'answered', 'abandoned', 'answeredWithinTarget', 'serviceLevelCalls']) out[k] = {};
  out.serviceLevel = {}; out.abandonRate = {};
  for (const w of ['today', 'rolling15m', 'rolling60m']) {
    for (const k of ['offered', 'answered', 'abandoned', 'answeredWithinTarget', 'serviceLevelCalls']) {
      let sum = 0, any = false;
      for (const o of list) { const x = o[k] && num(o[k][w]); if (x != null) { sum += x; any = true; } }
      out[k][w] = any ? sum : null;
    }
    const calls = out.serviceLevelCalls[w], offered = out.offered[w];
    out.serviceLevel[w] = calls > 0 ? out.answeredWithinTarget[w] / calls : null;
    out.abandonRate[w] = offered > 0 ? out.abandoned[w] / offered : null;
  }
  return out;
}

function dur(ms) { // compact human duration
  ms = num(ms);
  if (ms == null) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
  const h = Math.floor(m / 60);
  return h + 'h ' + String(m % 60).padStart(2, '0') + 'm';
}
function clockDur(ms) { // 2:41, 1:02:05
  ms = num(ms);
  if (ms == null) return '—';
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(r).padStart(2, '0');
}
// Every time on the board is 24-hour (`hourCycle: 'h23'`: 00:05, never "12:05 AM" nor Chrome's "24:05"
// that `hour12: false` gives at midnight). One cached formatter per (seconds, time zone).
const timeFormats = new Map();
function clockTime(t, opts) { // clockTime(ms | Date | ISO string, {seconds: true, timeZone}) → "14:05:09"
  const seconds = !opts || opts.seconds !== false, zone = (opts && opts.timeZone) || '';
  const key = (seconds ? 's' : 'm') + zone;
  let f = timeFormats.get(key);
  if (!f) {
    const o = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    if (seconds) o.second = '2-digit';
    if (zone) o.timeZone = zone;
    f = new Intl.DateTimeFormat(undefined, o); // throws for an unknown time zone: the caller decides
    timeFormats.set(key, f);
  }
  const d = t instanceof Date ? t : new Date(typeof t === 'string' ? Date.parse(t) : t);
  return isFinite(d.getTime()) ? f.format(d) : '—';
}
function hms(t) { return t == null ? '—' : clockTime(t); }
function hm(t, timeZone) { return t == null ? '—' : clockTime(t, { seconds: false, timeZone }); }
function norm(s) { return String(s || '').toLowerCase().replace(/[\s_-]+/g, ''); }
// Seed 000: once an org's heartbeat timeout has passed it is a red DISCONNECTED alarm. The wire keeps
// `stale` (watchdog fired; re-sync and reconnect under way) apart from `disconnected` (socket, channel,
// REST or token down); the wall shows both as DISCONNECTED (docs/protocol.md, "Org status on the dashboard").
function shownStatus(status) { const s = String(status || 'connecting').toLowerCase(); return s === 'stale' ? 'disconnected' : s; }

// ---- clock: server time estimate (ages are computed against the bridge's clock) ----------
let clockOffset = 0; // serverNow ≈ Date.now() + clockOffset
function serverNow() { return Date.now() + clockOffset; }
function noteServerTime(at) {
  const t = ts(at);
  if (t != null) clockOffset = t - Date.now();
}
