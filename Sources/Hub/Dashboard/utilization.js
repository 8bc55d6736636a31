// Switchboard dashboard — utilization strip: per org, today's 48 half-hour intervals in the org's
// local time (docs/utilization.md). Bar height = handle time summed over the org's agents, relative to
// the org's busiest interval; the open interval is outlined; the tooltip gives handled calls and AHT.
'use strict';

function utilSlot(iso) { // "2026-05-07T09:30:00.000-04:00" → 19 (local half-hour index)
  const m = /T(\d\d):(\d\d)/.exec(String(iso || ''));
  return m ? Number(m[1]) * 2 + (Number(m[2]) >= 30 ? 1 : 0) : null;
}

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
    let max = 1;
    for (const s of d.slots) if (s && s.handleMs > max) max = s.handleMs;
    const bars = [];
    for (let k = 0; k < 48; k++) {
      const s = d.slots[k];
      const h = s ? Math.max(2, Math.round(100 * s.handleMs / max)) : 0;
      const hh = String(Math.floor(k / 2)).padStart(2, '0') + ':' + (k % 2 ? '30' : '00');
      const title = s
        ? `${hh} · handled ${s.count} · handle ${utilDur(s.handleMs)} · AHT ${utilDur(s.count ? s.handleMs / s.count : null)}${s.open ? ' · in progress' : ''}`
        : `${hh} · nothing handled`;
      bars.push(`<i class="ub${s && s.open ? ' open' : ''}" data-h="${h}" title="${escapeAttr(title)}"></i>`);
    }
    let count = 0, handle = 0;
    for (const s of d.slots) if (s) { count += s.count; handle += s.handleMs; }
    rows.push(`<div class="util-row" data-org="${escapeAttr(String(o.id))}" data-util-intervals="${d.slots.filter(Boolean).length}">`
      + `<div class="util-name">${escapeAttr(o.name || o.id)}<span>${escapeAttr(d.zone || '')}</span></div>`
      + `<div class="util-bars">${bars.join('')}</div>`
      + `<div class="util-sum">${count} handled · AHT ${utilDur(count ? handle / count : null)}</div></div>`);
  }
  host.innerHTML = `<div class="util-head">Utilization today · handle time per 30 min (org local time)</div>` + rows.join('');
  // Heights are set from script: the Content-Security-Policy blocks inline style attributes in markup.
  for (const bar of host.querySelectorAll('i.ub[data-h]')) bar.style.height = bar.dataset.h + '%';
}

function escapeAttr(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
