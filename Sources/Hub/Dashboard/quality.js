// Switchboard dashboard — quality panel: per org, today's evaluated agents with their score per form
// (docs/quality.md). Below the minimum count an agent shows "insufficient data", never a score; agents
// with no evaluation are not listed. The head says when the data was last updated and that it lags.
'use strict';

function renderQuality(v, orgList) {
  const host = document.getElementById('quality');
  if (!host) return;
  const byOrg = new Map();
  for (const q of v.quality.values()) {
    const org = String(q.org);
    let o = byOrg.get(org);
    if (!o) { o = { status: null, agents: [], queues: [] }; byOrg.set(org, o); }
    if (q.type === 'org') o.status = q; else if (q.type === 'queue') o.queues.push(q); else o.agents.push(q);
  }
  host.hidden = byOrg.size === 0;
  if (byOrg.size === 0) return;
  const rows = [];
  for (const org of orgList) {
    const d = byOrg.get(String(org.id));
    if (!d) continue;
    const updated = d.status && d.status.lastUpdatedAt ? new Date(d.status.lastUpdatedAt) : null;
    const chip = (a, key, lookup) => {
      const entity = lookup.get(String(a[key]));
      const name = entity && entity.name ? entity.name : String(a[key]).split('/').pop().slice(0, 8);
      const forms = (a.forms || []).map(f => {
        const label = f.formName || (f.formId ? String(f.formId).slice(-6) : 'all forms');
        const val = f.status === 'ok' && typeof f.averageScore === 'number'
          ? `<b class="${f.averageScore >= 80 ? 'qok' : f.averageScore >= 70 ? 'qwarn' : 'qcrit'}">${f.averageScore.toFixed(1)}</b>`
          : '<em>insufficient data</em>';
        return `<span class="qf" title="${escapeAttr(label)} · ${f.count} evaluation(s)">${val}<small>n=${f.count}</small></span>`;
      }).join('');
      return { name, html: `<div class="qa" data-${key}="${escapeAttr(String(a[key]))}"><span class="qn">${escapeAttr(name)}</span>${forms}</div>` };
    };
    const chips = d.agents.map(a => chip(a, 'agent', v.agents)).sort((x, y) => x.name.localeCompare(y.name));
    const queues = d.queues.map(q => chip(q, 'queue', v.queues || new Map())).sort((x, y) => x.name.localeCompare(y.name));
    rows.push(`<div class="q-org" data-org="${escapeAttr(String(org.id))}" data-quality-agents="${chips.length}">`
      + `<div class="util-name">${escapeAttr(org.name || org.id)}<span>${updated ? 'updated ' + updated.toLocaleTimeString() : ''}</span></div>`
      + `<div class="q-lists"><div class="q-list">${chips.map(c => c.html).join('') || '<em>no evaluations yet today</em>'}</div>`
      + (queues.length ? `<div class="q-list q-queues" data-quality-queues="${queues.length}"><span class="q-label">by queue</span>${queues.map(c => c.html).join('')}</div>` : '')
      + `</div></div>`);
  }
  host.innerHTML = `<div class="util-head">Quality today · average score per form (min ${byOrgMin(byOrg)} evaluations) · `
    + `quality data lags up to 30 minutes</div>` + rows.join('');
}

function byOrgMin(byOrg) {
  for (const o of byOrg.values()) if (o.status && o.status.minEvaluations) return o.status.minEvaluations;
  return 3;
}
