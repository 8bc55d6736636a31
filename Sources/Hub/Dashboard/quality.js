// Switchboard dashboard — quality strip: one line per org with today's evaluation summary (docs/quality.md);
// "details" opens that org's agents and queues with their score per form. Below the minimum count an
// agent shows "insufficient data", never a score; agents with no evaluation are not listed. The head says
// that the data lags; each line says when it was last updated (24-hour time).
'use strict';

let qualityOpen = null; // org id whose details are open

function qualityByOrg(v) {
  const byOrg = new Map();
  for (const q of v.quality.values()) {
    const org = String(q.org);
    let o = byOrg.get(org);
    if (!o) { o = { status: null, agents: [], queues: [] }; byOrg.set(org, o); }
    if (q.type === 'org') o.status = q; else if (q.type === 'queue') o.queues.push(q); else o.agents.push(q);
  }
  return byOrg;
}

function scoreClass(x) { return x >= 80 ? 'qok' : x >= 70 ? 'qwarn' : 'qcrit'; }
function formCell(f) {
  const label = f.formName || (f.formId ? String(f.formId).slice(-6) : 'all forms');
  const val = f.status === 'ok' && typeof f.averageScore === 'number'
    ? `<b class="${scoreClass(f.averageScore)}">${f.averageScore.toFixed(1)}</b>`
    : '<em>insufficient data</em>';
  return `<span class="qf" title="${escapeAttr(label)} · ${f.count} evaluation(s)">${val}<small>n=${f.count}</small></span>`;
}

// the one-line summary: agents evaluated, the count-weighted average of the scored forms, how many are low
function qualitySummary(d) {
  let scored = 0, low = 0, few = 0, sum = 0, n = 0;
  for (const a of d.agents) {
    let any = false, anyFew = false, isLow = false;
    for (const f of a.forms || []) {
      if (f.status === 'ok' && typeof f.averageScore === 'number') { any = true; sum += f.averageScore * (f.count || 1); n += f.count || 1; if (f.averageScore < 70) isLow = true; }
      else anyFew = true;
    }
    if (any) scored++;
    if (isLow) low++;
    if (!any && anyFew) few++;
  }
  const parts = [`<b>${d.agents.length}</b> ${d.agents.length === 1 ? 'agent' : 'agents'} evaluated`];
  if (n) parts.push(`avg <b class="${scoreClass(sum / n)}">${(sum / n).toFixed(1)}</b>`);
  if (low) parts.push(`<b class="qcrit">${low}</b> below 70`);
  if (few) parts.push(`${few} too few to score`);
  if (d.queues.length) parts.push(`${d.queues.length} ${d.queues.length === 1 ? 'queue' : 'queues'}`);
  return parts.join(' · ');
}

function renderQuality(v, orgList) {
  const host = document.getElementById('quality');
  if (!host) return;
  const byOrg = qualityByOrg(v);
  host.hidden = byOrg.size === 0;
  if (byOrg.size === 0) return;
  const rows = [];
  let details = '';
  for (const org of orgList) {
    const d = byOrg.get(String(org.id));
    if (!d) continue;
    const id = String(org.id);
    const updated = d.status && d.status.lastUpdatedAt ? hms(d.status.lastUpdatedAt) : null;
    const open = qualityOpen === id;
    rows.push(`<div class="q-org" data-org="${escapeAttr(id)}" data-quality-agents="${d.agents.length}">`
      + `<div class="util-name">${escapeAttr(org.name || org.id)}</div>`
      + `<div class="q-line">${qualitySummary(d)}${updated ? ` · <span class="q-upd">updated ${updated}</span>` : ''}</div>`
      + `<button type="button" class="q-toggle" data-quality-org="${escapeAttr(id)}" aria-expanded="${open}">${open ? 'hide' : 'details'}</button></div>`);
    if (open) details = qualityDetails(v, org, d);
  }
  const scope = exportScope(orgList);
  const q = scope ? 'org=' + encodeURIComponent(scope) + '&' : '';
  const tag = scope || 'all';
  const html = `<div class="util-head"><span>Quality today · min ${byOrgMin(byOrg)} evaluations per form · data lags up to 30 minutes</span>`
    + `<span class="csvs">CSV ${csvButton('by agent', '/v1/quality?' + q + 'format=csv', 'quality-' + tag + '.csv')}`
    + csvButton('by queue', '/v1/quality?' + q + 'by=queue&format=csv', 'quality-queues-' + tag + '.csv') + `</span></div>`
    + rows.join('') + details;
  if (host._html !== html) { host._html = html; host.innerHTML = html; }
}

// the open org's details: every evaluated agent (click: agent panel) and queue, score per form
function qualityDetails(v, org, d) {
  const chip = (a, key, lookup, open) => {
    const entity = lookup.get(String(a[key]));
    const name = entity && entity.name ? entity.name : String(a[key]).split('/').pop().slice(0, 8);
    const attr = open ? ` data-open-${key}="${escapeAttr(String(a[key]))}" tabindex="0" role="link"` : '';
    return { name, html: `<div class="qa" data-${key}="${escapeAttr(String(a[key]))}"${attr}><span class="qn">${escapeAttr(name)}</span>${(a.forms || []).map(formCell).join('')}</div>` };
  };
  const chips = d.agents.map(a => chip(a, 'agent', v.agents, true)).sort((x, y) => x.name.localeCompare(y.name));
  const queues = d.queues.map(q => chip(q, 'queue', v.queues || new Map(), true)).sort((x, y) => x.name.localeCompare(y.name));
  return `<div class="q-details" data-org="${escapeAttr(String(org.id))}" role="region" aria-label="Quality details ${escapeAttr(org.name || org.id)}">`
    + `<div class="q-details-head">${escapeAttr(org.name || org.id)} · quality by agent and form`
    + `<button type="button" class="q-toggle" data-quality-org="${escapeAttr(String(org.id))}" aria-expanded="true">close</button></div>`
    + `<div class="q-list">${chips.map(c => c.html).join('') || '<em>no evaluations yet today</em>'}</div>`
    + (queues.length ? `<div class="q-list q-queues" data-quality-queues="${queues.length}"><span class="q-label">by queue</span>${queues.map(c => c.html).join('')}</div>` : '')
    + `</div>`;
}

function onQualityClick(e) {
  const b = e.target.closest('button[data-quality-org]');
  if (!b) return;
  const id = b.dataset.qualityOrg;
  qualityOpen = qualityOpen === id ? null : id;
  dirty.util = true; scheduleRender();
}

function byOrgMin(byOrg) {
  for (const o of byOrg.values()) if (o.status && o.status.minEvaluations) return o.status.minEvaluations;
  return 3;
}
