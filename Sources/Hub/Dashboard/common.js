// Switchboard dashboard — tunables, tiny DOM/format helpers and the server clock, shared by the
// other scripts. Plain scripts, no build step: index.html loads treemap.js, common.js, model.js,
// stream.js, render.js, heatmap.js, app.js in that order (all `defer`); their top-level
// declarations share the page's global scope. At load they only declare (heatmap.js also creates
// its canvas view); app.js wires the events and starts the board.
'use strict';

// ---- thresholds and tunables (edit here) -------------------------------------------------
const QUEUE_WAITING_WARN = 5;          // waiting > 5  → amber
const QUEUE_WAITING_CRIT = 15;         // waiting > 15 → red
const QUEUE_WAIT_WARN_MS = 60 * 1000;  // longest wait > 60 s  → amber
const QUEUE_WAIT_CRIT_MS = 180 * 1000; // longest wait > 180 s → red
const OCC_UNDER = 0.60;                // aggregate figures use the same bands as agents
const OCC_ELEVATED = 0.80;
const OCC_BURNOUT = 0.90;
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
function occBand(v) {
  v = ratio(v);
  if (v == null) return 'none';
  if (v > OCC_BURNOUT) return 'burnout';
  if (v >= OCC_ELEVATED) return 'elevated';
  if (v >= OCC_UNDER) return 'healthy';
  return 'under';
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
