// Switchboard dashboard — the queue view's agent list and the agent panel (nav.js opens them), and the
// CSV / drill-down downloads. The panel shows the agent's state and occupancy, its queues, today's
// utilization by 30-minute interval (each with its conversations from GET /v1/utilization/details) and its
// quality per form, and (speechtext.js) its keyword counts and current call. Exports are fetched with the token in a header, never put in a link.
// Test hooks: #queue-view data-queue data-agents; #agent-panel data-agent data-found data-util-intervals
// data-quality-forms; buttons data-export.
'use strict';

// ---- exports ----
function downloadExport(btn) {
  const path = btn.dataset.export, file = btn.dataset.filename || 'export.csv';
  btn.dataset.state = 'loading';
  fetch(path, { headers: { authorization: 'Bearer ' + model.token }, cache: 'no-store' })
    .then((r) => { if (!r.ok) return r.text().then((t) => { throw new Error('HTTP ' + r.status + (t ? ': ' + t.slice(0, 200) : '')); }); return r.blob(); })
    .then((b) => {
      const u = URL.createObjectURL(b);
      const a = el('a'); a.href = u; a.download = file; a.hidden = true;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(u), 10000);
      btn.dataset.state = 'ok'; btn.title = 'Downloaded ' + file + ' at ' + hms(Date.now());
    })
    .catch((e) => { btn.dataset.state = 'error'; btn.title = 'Export failed: ' + e.message; });
}
document.addEventListener('click', (e) => { const b = e.target.closest('button[data-export]'); if (b) downloadExport(b); });

// ---- queue view: the queue's agents ----
function renderQueueView(v, now) {
  const host = $('queue-view');
  if (!host) return;
  if (!nav.queue) { if (!host.hidden) { host.hidden = true; host._html = ''; } return; }
  host.hidden = false;
  const q = v.queues.get(nav.queue);
  const agents = [];
  for (const a of v.agents.values()) if (Array.isArray(a.queues) && a.queues.includes(nav.queue)) agents.push(a);
  agents.sort((x, y) => String(x.name || x.id).localeCompare(String(y.name || y.id)));
  const org = nav.org, qid = nav.queue;
  const util = v.utilization.get(org + '/queue/' + qid.slice(org.length + 1));
  const qual = v.quality.get(org + '/queue/' + qid.slice(org.length + 1));
  const o = v.orgs.get(String(org)) || {};
  const st = String(o.status || '').toLowerCase();
  const rows = agents.map((a) => {
    const t = ticked(a, now, st);
    const occ = t.occupancy || {};
    const since = ts(a.stateSince);
    return `<tr data-open-agent="${escapeAttr(String(a.id))}" tabindex="0" role="link"${isOffQueue(a) ? ' class="off"' : ''}>`
      + `<td class="qa-name">${escapeAttr(a.name || a.id)}</td>`
      + `<td>${escapeAttr(a.state || BUCKET_LABEL[stateBucket(a)] || '')}${since ? ' <small>' + dur(now - since) + '</small>' : ''}</td>`
      + `<td data-band="${escapeAttr(a.band || 'none')}"><span class="fig-val">${pct(occ.rolling60m)}</span></td>`
      + `<td>${pct(occ.today)}</td></tr>`;
  });
  const tot = util && util.totals;
  const qs = qual && (qual.forms || []).length ? (qual.forms || []).map(formCell).join(' ') : '<em>no evaluations today</em>';
  const ex = 'org=' + encodeURIComponent(org);
  const html = `<div class="qv-head"><h3>${escapeAttr(q ? q.name || q.id : qid)} · ${agents.length} ${agents.length === 1 ? 'agent' : 'agents'}</h3>`
    + `<span class="csvs">CSV ${csvButton('utilization', '/v1/utilization?' + ex + '&by=queue&format=csv', 'utilization-queues-' + org + '.csv')}`
    + csvButton('quality', '/v1/quality?' + ex + '&by=queue&format=csv', 'quality-queues-' + org + '.csv') + `</span></div>`
    + `<div class="qv-facts"><span>Today: ${tot ? tot.handleCount + ' handled · AHT ' + utilDur(tot.ahtMs) : 'no utilization yet'}</span><span>Quality: ${qs}</span></div>`
    + (agents.length
      ? `<div class="qv-scroll"><table class="qv-table"><thead><tr><th>Agent</th><th>State</th><th>60 min</th><th>Today</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : `<div class="empty">${q ? 'No agent lists this queue among its active queues.' : 'This queue is not in view (yet).'}</div>`);
  setAttr(host, 'data-queue', qid);
  setAttr(host, 'data-agents', agents.length);
  setHTML(host, html);
}

// ---- agent panel ----
function setHTML(e, html) { if (e._html !== html) { e._html = html; e.innerHTML = html; } }
let drill = { agent: null, open: new Map() }; // interval start → {state, data, error}
let apKeyUtil = '', apKeyQual = '';
function agentPanelChanged() {
  if (drill.agent !== nav.agent) { drill = { agent: nav.agent, open: new Map() }; apKeyUtil = ''; apKeyQual = ''; }
}

function renderAgentPanel(v, now) {
  const panel = $('agent-panel');
  if (!nav.agent) { if (!panel.hidden) { panel.hidden = true; panel.removeAttribute('data-agent'); } return; }
  const id = nav.agent;
  const a = v.agents.get(id);
  const opening = panel.hidden;
  panel.hidden = false;
  setAttr(panel, 'data-agent', id);
  setAttr(panel, 'data-found', a ? '1' : '0');
  const org = a ? String(a.org) : id.split('/')[0];
  const o = v.orgs.get(org) || {};
  setText($('ap-name'), a ? a.name || a.id : id);
  setText($('ap-sub'), (o.name || org) + (a ? '' : ' · not in view' + (model.conn === 'live' ? '' : ' (waiting for data…)')));
  setHTML($('ap-now'), a ? agentNowHTML(v, a, o, now) : '<p class="empty">No agent with this id in the current view.</p>');
  renderAgentSpeechText(id); // keywords and sentiment (speechtext.js)
  const util = v.utilization.get(id);
  const uKey = (util ? JSON.stringify(util.intervals || []) : '') + '|' + drillKey() + '|' + org;
  if (uKey !== apKeyUtil) { apKeyUtil = uKey; $('ap-util').innerHTML = agentUtilHTML(org, id, util); applyInlineSizes($('ap-util')); }
  setAttr(panel, 'data-util-intervals', util ? (util.intervals || []).length : 0);
  const qual = v.quality.get(id), qorg = v.quality.get(org);
  const qKey = JSON.stringify(qual || null) + (qorg ? qorg.lastUpdatedAt : '');
  if (qKey !== apKeyQual) { apKeyQual = qKey; $('ap-quality').innerHTML = agentQualityHTML(org, qual, qorg); }
  setAttr(panel, 'data-quality-forms', qual ? (qual.forms || []).length : 0);
  if (opening) setTimeout(() => { const c = $('ap-close'); if (c) c.focus({ preventScroll: true }); }, 0);
}

function agentNowHTML(v, a, o, now) {
  const st = String(o.status || '').toLowerCase();
  const t = ticked(a, now, st);
  const occ = t.occupancy || {}, hmw = t.handlingMs || {}, pm = t.productiveMs || {};
  const since = ts(a.stateSince);
  const band = a.band || null;
  const rows = [['today', 'Today'], ['rolling15m', '15 min'], ['rolling60m', '60 min']]
    .map(([w, l]) => `<tr><th>${l}</th><td>${pct(occ[w])}</td><td>${dur(hmw[w])}</td><td>${dur(pm[w])}</td></tr>`).join('');
  const queues = (Array.isArray(a.queues) ? a.queues : []).map((qid) => {
    const q = v.queues.get(qid);
    return q ? `<button type="button" class="chip" data-open-queue="${escapeAttr(qid)}">${escapeAttr(q.name || qid)}</button>` : '';
  }).filter(Boolean);
  return `<div class="ap-state">${escapeAttr([a.state || BUCKET_LABEL[stateBucket(a)], a.presence && norm(a.presence) !== norm(a.state) ? a.presence : null].filter(Boolean).join(' · '))}`
    + (since ? ` · since ${hms(since)} (${dur(now - since)})` : '') + `</div>`
    + `<span class="tt-band" data-band="${escapeAttr(band || 'none')}">${band ? band.toUpperCase() + ' (60 min band)' : a.bandStatus === 'warming-up' ? 'WARMING UP' : 'NO BAND'}</span>`
    + `<table class="tt-table"><tr><th></th><th>Occ.</th><th>Handling</th><th>Productive</th></tr>${rows}</table>`
    + `<div class="ap-queues"><span class="ap-label">Queues</span>${queues.join('') || '<em>none known</em>'}</div>`;
}

function drillKey() { return [...drill.open.entries()].map(([k, d]) => k + ':' + d.state).join(','); }

function agentUtilHTML(org, id, util) {
  const ex = 'org=' + encodeURIComponent(org);
  const head = `<h3>Utilization today <small>(org local time)</small></h3>`
    + `<span class="csvs">CSV ${csvButton('org utilization', '/v1/utilization?' + ex + '&format=csv', 'utilization-' + org + '.csv')}</span>`;
  const ivs = (util && util.intervals) || [];
  if (!ivs.length) return `<div class="ap-sec-head">${head}</div><p class="empty">Nothing handled today yet (or not polled yet: every 5 minutes).</p>`;
  const slots = [];
  for (const i of ivs) { const k = utilSlot(i.start); if (k != null) slots[k] = { handleMs: num(i.handleMs) || 0, count: num(i.handleCount) || 0, open: !!i.open }; }
  const rows = ivs.slice().sort((x, y) => String(x.start).localeCompare(String(y.start))).map((i) => {
    const d = drill.open.get(i.start);
    const q = ex + '&agent=' + encodeURIComponent(id) + '&interval=' + encodeURIComponent(i.start);
    const file = 'utilization-details-' + id.replace(/\//g, '-') + '-' + localHM(i.start).replace(':', '') + '.csv';
    let row = `<tr data-interval="${escapeAttr(i.start)}"${i.open ? ' class="open"' : ''}><th>${localHM(i.start)}–${localHM(i.end)}</th>`
      + `<td>${num(i.handleCount) ?? '—'}</td><td>${utilDur(i.handleMs)}</td><td>${utilDur(i.talkMs)}</td><td>${utilDur(i.heldMs)}</td>`
      + `<td>${utilDur(i.acwMs)}</td><td>${utilDur(i.ahtMs)}</td>`
      + `<td class="ap-acts"><button type="button" class="link-btn" data-drill="${escapeAttr(i.start)}" data-org="${escapeAttr(org)}" aria-expanded="${!!d}">${d ? 'hide' : 'calls'}</button>`
      + csvButton('CSV', '/v1/utilization/details?' + q + '&format=csv', file, 'This interval\'s conversations as CSV') + `</td></tr>`;
    if (d) row += `<tr class="drill"><td colspan="8">${drillHTML(d)}</td></tr>`;
    return row;
  });
  return `<div class="ap-sec-head">${head}</div><div class="ap-chart">${utilBars(slots)}${hourAxis()}</div>`
    + `<table class="ap-table"><thead><tr><th>Interval</th><th>Handled</th><th>Handle</th><th>Talk</th><th>Hold</th><th>ACW</th><th>AHT</th><th></th></tr></thead>`
    + `<tbody>${rows.join('')}</tbody></table>`;
}

function drillHTML(d) {
  if (d.state === 'loading') return '<em>Loading the conversations…</em>';
  if (d.state === 'error') return `<span class="err">${escapeAttr(d.error)}</span>`;
  const cs = (d.data && d.data.conversations) || [];
  if (!cs.length) return '<em>No conversations in this interval.</em>';
  return `<table class="ap-table drill-table"><tr><th>Conversation</th><th>Start</th><th>End</th><th>Handle</th><th>Talk</th><th>Hold</th><th>ACW</th></tr>`
    + cs.map((c) => `<tr><td title="${escapeAttr(c.conversationId || '')}">${escapeAttr(String(c.conversationId || '').slice(0, 8))}</td>`
      + `<td>${c.conversationStart ? hms(c.conversationStart) : '—'}</td><td>${c.conversationEnd ? hms(c.conversationEnd) : '—'}</td>`
      + `<td>${utilDur(c.tHandleMs)}</td><td>${utilDur(c.tTalkMs)}</td><td>${utilDur(c.tHeldMs)}</td><td>${utilDur(c.tAcwMs)}</td></tr>`).join('')
    + `</table>`;
}

function onDrillClick(e) {
  const b = e.target.closest('button[data-drill]');
  if (!b) return;
  const start = b.dataset.drill, org = b.dataset.org, agent = nav.agent;
  if (drill.open.has(start)) { drill.open.delete(start); scheduleRender(); return; }
  const d = { state: 'loading' };
  drill.open.set(start, d);
  scheduleRender();
  const url = '/v1/utilization/details?org=' + encodeURIComponent(org) + '&agent=' + encodeURIComponent(agent)
    + '&interval=' + encodeURIComponent(start) + '&format=json';
  fetch(url, { headers: { authorization: 'Bearer ' + model.token, accept: 'application/json' }, cache: 'no-store' })
    .then((r) => r.json().then((j) => { if (!r.ok) throw new Error((j && j.message) || 'HTTP ' + r.status); return j; }))
    .then((j) => { d.state = 'ok'; d.data = j; })
    .catch((err) => { d.state = 'error'; d.error = 'Could not load the conversations: ' + err.message; })
    .then(() => scheduleRender());
}

function agentQualityHTML(org, qual, qorg) {
  const ex = 'org=' + encodeURIComponent(org);
  const head = `<h3>Quality today</h3><span class="csvs">CSV ${csvButton('org quality', '/v1/quality?' + ex + '&format=csv', 'quality-' + org + '.csv')}</span>`;
  const note = qorg ? `<p class="ap-note">${qorg.lastUpdatedAt ? 'Updated ' + hms(qorg.lastUpdatedAt) + ' · ' : ''}${escapeAttr(qorg.lagNote || 'Quality data lags up to 30 minutes.')} `
    + `Fewer than ${qorg.minEvaluations || 3} evaluations on a form: no score.</p>` : '';
  const forms = (qual && qual.forms) || [];
  if (!forms.length) return `<div class="ap-sec-head">${head}</div><p class="empty">No evaluations today.</p>${note}`;
  const rows = forms.map((f) => `<tr><th>${escapeAttr(f.formName || (f.formId ? String(f.formId).slice(-6) : 'all forms'))}</th><td>${f.count}</td>`
    + (f.status === 'ok' && typeof f.averageScore === 'number'
      ? `<td class="${scoreClass(f.averageScore)}">${f.averageScore.toFixed(1)}</td><td>${typeof f.averageCriticalScore === 'number' ? f.averageCriticalScore.toFixed(1) : '—'}</td><td>${typeof f.passRate === 'number' ? Math.round(f.passRate) + '%' : '—'}</td>`
      : `<td colspan="3"><em>insufficient data</em></td>`) + `</tr>`).join('');
  return `<div class="ap-sec-head">${head}</div><table class="ap-table"><thead><tr><th>Form</th><th>n</th><th>Score</th><th>Critical</th><th>Pass</th></tr></thead><tbody>${rows}</tbody></table>${note}`;
}
