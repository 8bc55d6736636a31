// Switchboard dashboard — utilization strip: per org, today's 48 half-hour intervals in the org's
// local time (docs/utilization.md). Bar height = handle time summed over the org's agents, relative to
// the org's busiest interval; the open interval is outlined; the tooltip gives handled calls and AHT.
// One hour axis under the rows (00–23, org local time); CSV buttons for the exports.
'use strict';

function utilSlot(iso) { // "2026-05-07T09:30:00.000-04:00" → 19 (local half-hour index)
  const m = /T(\d\d):(\d\d)/.exec(String(iso || ''));
  return m ? Number(m[1]) * 2 + (Number(m[2]) >= 30 ? 1 : 0) : null;
}
function slotLabel(k) { return String(Math.floor(k / 2)).padStart(2, '0') + ':' + (k % 2 ? '30' : '00'); }
function localHM(iso) { const m = /T(\d\d:\d\d)/.exec(String(iso || '')); return m ? m[1] : '—'; } // the org's wall clock

function utilDur(ms) {
  if (ms == null) return '—';
  const s = Math.round(ms / 1000);
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}

function utilByOrg(v) { // org id → {zone, slots[48]: {handleMs, count, open}}
  const out = new Map();
  for (const u of v.utilization.values()) {
    if (u.type === 'queue') continue; // per-queue rollups count the same handles again
    const org = String(u.org);
    let o = out.get(org);
    if (!o) { o = { zone: u.timeZone, slots: [] }; out.set(org, o); }
    for (const i of u.intervals || []) {
      const k = utilSlot(i.start);
      if (k == null) continue;
      const s = o.slots[k] || (o.slots[k] = { handleMs: 0, count: 0, open: false, start: i.start, end: i.end });
      s.handleMs += num(i.handleMs) || 0;
      s.count += num(i.handleCount) || 0;
      s.open = s.open || !!i.open;
    }
  }
  return out;
}

// 48 bars for one day of slots (array index = half hour); the title of each says what it holds
function utilBars(slots) {
  let max = 1;
  for (const s of slots) if (s && s.handleMs > max) max = s.handleMs;
  const bars = [];
  for (let k = 0; k < 48; k++) {
    const s = slots[k];
    const h = s ? Math.max(2, Math.round(100 * s.handleMs / max)) : 0;
    const hh = slotLabel(k);
    const title = s
      ? `${hh} · handled ${s.count} · handle ${utilDur(s.handleMs)} · AHT ${utilDur(s.count ? s.handleMs / s.count : null)}${s.open ? ' · in progress' : ''}`
      : `${hh} · nothing handled`;
    bars.push(`<i class="ub${s && s.open ? ' open' : ''}" data-h="${h}" title="${escapeAttr(title)}"></i>`);
  }
  return `<div class="util-bars">${bars.join('')}</div>`;
}

// the hour axis under 48 half-hour columns: every hour ticked, labels every 3 h (every 2 h when wide)
function hourAxis() {
  const marks = [];
  for (let h = 0; h < 24; h++) {
    const cls = 'ua' + (h % 3 === 0 ? ' t3' : '') + (h % 2 === 0 ? ' t2' : '');
    marks.push(`<span class="${cls}" data-col="${h * 2 + 1}">${String(h).padStart(2, '0')}</span>`);
  }
  return `<div class="util-axis" aria-hidden="true">${marks.join('')}</div>`;
}

// CSV buttons for an export (app-wide click handler in agent.js downloads with the token in a header)
function csvButton(label, path, file, title) {
  return `<button type="button" class="csv" data-export="${escapeAttr(path)}" data-filename="${escapeAttr(file)}" title="${escapeAttr(title || 'Download ' + file)}">${escapeAttr(label)}</button>`;
}
function exportScope(orgList) { // the org filter of this page's exports: one org in view → ?org=
  const scope = scopeOrgs();
  return scope && scope.size === 1 ? [...scope][0] : null;
}

function renderUtilization(v, orgList) {
  const host = document.getElementById('util');
  if (!host) return;
  const data = utilByOrg(v);
  host.hidden = data.size === 0;
  if (data.size === 0) return;
  const rows = [];
  for (const o of orgList) {
    const d = data.get(String(o.id));
    if (!d) continue;
    let count = 0, handle = 0;
    for (const s of d.slots) if (s) { count += s.count; handle += s.handleMs; }
    rows.push(`<div class="util-row" data-org="${escapeAttr(String(o.id))}" data-util-intervals="${d.slots.filter(Boolean).length}">`
      + `<div class="util-name" title="${escapeAttr(d.zone || '')}">${escapeAttr(o.name || o.id)}<span>${escapeAttr(d.zone || '')}</span></div>`
      + utilBars(d.slots)
      + `<div class="util-sum" title="${count} handled today · average handle time ${utilDur(count ? handle / count : null)}">${count} · AHT ${utilDur(count ? handle / count : null)}</div></div>`);
  }
  const org = exportScope(orgList);
  const q = org ? 'org=' + encodeURIComponent(org) + '&' : '';
  const tag = org || 'all';
  const html = `<div class="util-head"><span>Utilization today · handle time per 30 min (org local time) · right: handled · AHT</span>`
    + `<span class="csvs">CSV ${csvButton('by agent', '/v1/utilization?' + q + 'format=csv', 'utilization-' + tag + '.csv')}`
    + csvButton('by queue', '/v1/utilization?' + q + 'by=queue&format=csv', 'utilization-queues-' + tag + '.csv') + `</span></div>`
    + rows.join('') + `<div class="util-row util-axis-row"><div></div>${hourAxis()}<div></div></div>`;
  if (host._html !== html) {
    host._html = html;
    host.innerHTML = html;
    applyInlineSizes(host);
  }
  host.style.setProperty('--util-rows', String(rows.length));
}

function escapeAttr(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// Bar heights and axis columns are set from script: the Content-Security-Policy blocks inline style
// attributes in markup.
function applyInlineSizes(root) {
  for (const bar of root.querySelectorAll('i.ub[data-h]')) bar.style.height = bar.dataset.h + '%';
  for (const m of root.querySelectorAll('[data-col]')) m.style.gridColumn = m.dataset.col + ' / span 2';
}
