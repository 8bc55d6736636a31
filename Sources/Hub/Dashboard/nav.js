// Switchboard dashboard — navigation with the state in the address (docs/dashboard.md, "Navigation"):
// board → org view (?view=org:<id>) → queue view (?view=queue:<org/uuid>) → agent panel (&agent=<org/uuid>);
// the journeys view (?view=journeys) from the footer's link.
// Clicks push a history entry, so the browser's back button returns; popstate re-reads the address.
// `?topic=org:<id>` (a subscription to one org, app.js) is an org view too. `?kiosk=1` rotates the queue pages.
'use strict';

const nav = { org: null, queue: null, agent: null, journeys: false, kiosk: false, rotateMs: 10000 };

function readNav() {
  const q = new URLSearchParams(location.search);
  const v = q.get('view') || '';
  let m;
  nav.org = null; nav.queue = null;
  nav.journeys = v === 'journeys';
  if ((m = /^org:(.+)$/.exec(v))) nav.org = m[1];
  else if ((m = /^queue:((.+?)\/.+)$/.exec(v))) { nav.queue = m[1]; nav.org = m[2]; }
  nav.agent = q.get('agent') || null;
  nav.kiosk = /^(1|true|yes|on)$/i.test(q.get('kiosk') || '');
  const r = Number(q.get('rotate'));
  nav.rotateMs = isFinite(r) && r >= 3 ? r * 1000 : 10000;
}
readNav();

// the view the body shows: board (all orgs), org, queue, journeys (journeys.js); `data-agent` when the agent panel is open
function viewName() { return nav.journeys ? 'journeys' : nav.queue ? 'queue' : (nav.org || (scopeOrgs() && scopeOrgs().size === 1)) ? 'org' : 'board'; }

// change = {view: 'org:us' | 'queue:us/…' | null, agent: id | null}; keys left out keep their value
function navigate(change, opts) {
  const u = new URL(location.href);
  if ('view' in change) { if (change.view) u.searchParams.set('view', change.view); else u.searchParams.delete('view'); }
  if ('agent' in change) { if (change.agent) u.searchParams.set('agent', change.agent); else u.searchParams.delete('agent'); }
  const search = u.searchParams.toString().replace(/%3A/gi, ':').replace(/%2F/gi, '/'); // readable: view=queue:us/…
  const next = u.pathname + (search ? '?' + search : '') + u.hash;
  if (next === location.pathname + location.search + location.hash) return;
  const depth = (history.state && history.state.sbDepth) || 0;
  if (opts && opts.replace) history.replaceState({ sbDepth: depth }, '', next);
  else history.pushState({ sbDepth: depth + 1 }, '', next);
  onNavChange();
}
// back where the page itself pushed an entry (the browser's back button does the same), else replace
function navBack(fallback) {
  if (history.state && history.state.sbDepth > 0) history.back();
  else navigate(fallback, { replace: true });
}
function onNavChange() {
  const before = nav.queue + '|' + nav.org + '|' + nav.journeys;
  readNav();
  if (before !== nav.queue + '|' + nav.org + '|' + nav.journeys) resetQueuePages();
  if (typeof agentPanelChanged === 'function') agentPanelChanged();
  markAll(); scheduleRender();
}
window.addEventListener('popstate', onNavChange);

// ---- what the clicks open ----
function openOrg(id) {
  const scope = scopeOrgs();
  if (!nav.queue && scope && scope.size === 1 && scope.has(id)) return; // already there
  navigate({ view: 'org:' + id, agent: null });
}
function openQueue(id) { if (nav.queue !== id) navigate({ view: 'queue:' + id, agent: null }); }
function openAgent(id) { if (nav.agent !== id) navigate({ agent: id }); }
function closeAgent() { navBack({ agent: null }); }

function activate(e) {
  const t = e.target;
  if (e.type === 'keydown' && ((e.key !== 'Enter' && e.key !== ' ') || t.closest('button'))) return; // a button clicks itself
  const link = t.closest('[data-crumb], [data-open-agent], [data-open-queue]');
  if (link) {
    e.preventDefault();
    const d = link.dataset;
    if (d.crumb) navigate({ view: d.crumb === 'board' ? null : d.crumb, agent: null });
    else if (d.openAgent) openAgent(d.openAgent);
    else openQueue(d.openQueue);
    return;
  }
  if (t.closest('button, a, input, summary')) return;
  const card = t.closest('article.org[data-org]');
  if (card) { e.preventDefault(); openOrg(card.dataset.org); return; }
  const tile = t.closest('.qtile[data-queue]');
  if (tile) { e.preventDefault(); openQueue(tile.dataset.queue); }
}

// ---- breadcrumbs in the header: All orgs › US › Sales ----
function renderCrumbs(v, orgList) {
  const host = $('crumbs');
  if (!host) return;
  const parts = [];
  const subscribedToOrgs = !!scopeOrgsOfTopics();
  if (nav.journeys) {
    parts.push(['board', '◀ Board']);
    parts.push(['journeys', 'Journeys']);
  } else if (nav.org || nav.queue) {
    if (!subscribedToOrgs) parts.push(['board', '◀ All orgs']);
    const o = v.orgs.get(String(nav.org));
    parts.push(['org:' + nav.org, o ? (o.name || o.id) : nav.org]);
    if (nav.queue) { const q = v.queues.get(nav.queue); parts.push(['queue:' + nav.queue, q ? (q.name || q.id) : 'queue']); }
  }
  const key = parts.map(p => p.join('=')).join('|');
  if (host._key === key) return;
  host._key = key;
  host.textContent = '';
  host.hidden = parts.length === 0;
  parts.forEach(([target, label], i) => {
    if (i) host.append(el('span', 'crumb-sep', '›'));
    const last = i === parts.length - 1;
    const b = el(last ? 'span' : 'button', 'crumb' + (last ? ' here' : ''), label);
    if (!last) { b.type = 'button'; b.dataset.crumb = target; }
    host.append(b);
  });
}
