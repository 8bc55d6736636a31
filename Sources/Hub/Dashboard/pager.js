// Switchboard dashboard — fitting a wall (docs/dashboard.md, "Screens"): the queue tiles are cut into
// pages that fit the panel (a page indicator "page 2/5", buttons, and in kiosk mode a rotation), the org
// strip picks its column count so no card clips its status, and a tile that cannot show a figure at its
// width says so ("…" and a tooltip with the hidden figures). Nothing is hidden without a sign.
// Test hooks: #queues data-queue-pages, data-queue-page, data-queue-fit; each tile data-page;
// each org card data-clipped ("0" or "1") and data-clipped-what; tiles data-dropped.
'use strict';

// ---- queue pages ----
let qPage = 1, qPages = 1, qLayoutKey = '', qPageOf = [], qRotateTimer = null, qRotateAt = 0;

function resetQueuePages() { qPage = 1; qLayoutKey = ''; }

function queueSections(host) { return [...host.children].filter(c => c.classList.contains('qorg')); }

// Where each tile goes: simulate the panel's flow (section header, rows of tiles) page by page.
function layoutQueuePages(host, sections) {
  qPageOf = [];
  const H = host.clientHeight;
  const first = sections[0];
  const grid = first.querySelector('.qgrid');
  const tile = grid && grid.firstElementChild;
  if (!tile || H <= 0) { qPages = 1; for (const s of sections) qPageOf.push(new Array(s.querySelector('.qgrid').children.length).fill(1)); return; }
  // measure with the first section and tile shown
  const wasS = first.hidden, wasT = tile.hidden;
  first.hidden = false; tile.hidden = false;
  const head = first.querySelector('.qorg-head');
  const hs = getComputedStyle(head);
  const headH = head.offsetHeight + parseFloat(hs.marginTop || 0) + parseFloat(hs.marginBottom || 0);
  const gs = getComputedStyle(grid);
  const cols = Math.max(1, gs.gridTemplateColumns.split(' ').filter(x => x && x !== 'none').length);
  const rowGap = parseFloat(gs.rowGap) || 0;
  const tileH = tile.offsetHeight;
  const secGap = parseFloat(getComputedStyle(host).rowGap) || 0;
  first.hidden = wasS; tile.hidden = wasT;
  let page = 1, y = 0;
  for (const s of sections) {
    const n = s.querySelector('.qgrid').children.length;
    const pages = new Array(n);
    const rows = Math.ceil(n / cols);
    let here = false; // this section already has a row on the current page
    for (let r = 0; r < rows; r++) {
      let need = (here ? rowGap : (y > 0 ? secGap : 0) + headH) + tileH;
      if (y > 0 && y + need > H + 0.5) { page++; y = 0; here = false; need = headH + tileH; }
      y += need; here = true;
      for (let k = r * cols; k < Math.min(n, (r + 1) * cols); k++) pages[k] = page;
    }
    qPageOf.push(pages);
  }
  qPages = page;
}

function pageQueues() {
  const host = $('queues');
  if (!host) return;
  const sections = queueSections(host);
  const key = host.clientWidth + 'x' + host.clientHeight + '|' + document.body.dataset.scope + '|'
    + sections.map(s => s.dataset.org + ':' + s.querySelector('.qgrid').children.length).join(',');
  if (key !== qLayoutKey && sections.length) { layoutQueuePages(host, sections); qLayoutKey = key; }
  if (!sections.length) { qPages = 1; qPageOf = []; }
  applyQueuePage(host, sections);
  // tiles that grew since the layout (a new figure, a wrapped line): lay the pages out again, once
  if (!queuesFit(host) && sections.length) { layoutQueuePages(host, sections); applyQueuePage(host, sections); }
  const bd = host.dataset;
  bd.queuePages = String(qPages);
  bd.queuePage = String(qPage);
  markDroppedFigures(host);
  bd.queueFit = queuesFit(host) ? '1' : '0';
  renderPager();
  scheduleRotation();
}

function applyQueuePage(host, sections) {
  if (qPage > qPages) qPage = qPages;
  if (qPage < 1) qPage = 1;
  sections.forEach((s, i) => {
    const tiles = s.querySelector('.qgrid').children, pages = qPageOf[i] || [];
    let shown = 0, firstPage = 0;
    for (let k = 0; k < tiles.length; k++) {
      const p = pages[k] || 1;
      if (!firstPage) firstPage = p;
      setAttr(tiles[k], 'data-page', p);
      const on = p === qPage;
      if (tiles[k].hidden === on) tiles[k].hidden = !on;
      if (on) shown++;
      if (!tiles[k].hasAttribute('tabindex')) { tiles[k].tabIndex = 0; tiles[k].setAttribute('role', 'link'); }
    }
    const hide = shown === 0;
    if (s.hidden !== hide) s.hidden = hide;
    setAttr(s, 'data-cont', !hide && firstPage < qPage ? '1' : '0');
  });
}

// every tile of the page in the panel's box (a panel too small for even one row says so: fit 0)
function queuesFit(host) {
  const box = host.getBoundingClientRect();
  for (const t of host.querySelectorAll('.qtile:not([hidden])')) {
    const r = t.getBoundingClientRect();
    if (r.bottom > box.bottom + 1 || r.right > box.right + 1 || r.top < box.top - 1) return false;
  }
  return true;
}

function renderPager() {
  const p = $('q-pager');
  if (!p) return;
  const many = qPages > 1;
  p.hidden = !many;
  setAttr(p, 'data-kiosk', nav.kiosk ? '1' : '0');
  if (!many) return;
  setText(p.querySelector('.pg-text'), 'page ' + qPage + '/' + qPages);
  const dots = p.querySelector('.pg-dots');
  dots.hidden = qPages > 12; // beyond a dozen the text says it better than a row of dots
  if (dots.children.length !== qPages) {
    dots.textContent = '';
    for (let i = 1; i <= qPages; i++) { const d = el('button', 'pg-dot'); d.type = 'button'; d.dataset.page = String(i); d.title = 'Page ' + i; dots.append(d); }
  }
  for (const d of dots.children) setAttr(d, 'aria-current', d.dataset.page === String(qPage) ? 'page' : 'false');
}

function goQueuePage(p) {
  const n = ((p - 1) % qPages + qPages) % qPages + 1;
  if (n !== qPage) { qPage = n; qRotateAt = 0; } // a manual turn restarts the kiosk countdown
  pageQueues();
}
function onPagerClick(e) {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.dataset.page === 'prev') goQueuePage(qPage - 1);
  else if (b.dataset.page === 'next') goQueuePage(qPage + 1);
  else if (b.dataset.page) goQueuePage(Number(b.dataset.page));
}
// kiosk: turn the page every nav.rotateMs; the bar under the indicator shows the countdown
function scheduleRotation() {
  const bar = $('q-pager') && $('q-pager').querySelector('.pg-bar');
  if (!nav.kiosk || qPages <= 1) { clearTimeout(qRotateTimer); qRotateTimer = null; qRotateAt = 0; return; }
  if (qRotateAt && qRotateTimer) return;
  clearTimeout(qRotateTimer);
  qRotateAt = Date.now() + nav.rotateMs;
  qRotateTimer = setTimeout(() => { qRotateTimer = null; qRotateAt = 0; goQueuePage(qPage + 1); scheduleRotation(); }, nav.rotateMs);
  if (bar) { bar.style.animation = 'none'; void bar.offsetWidth; bar.style.animation = 'pg-progress ' + nav.rotateMs + 'ms linear forwards'; }
}

// A figure the tile has no room for (hidden by a container query, or pushed out of the tile or of the
// service line, which clips) is named in the tile's tooltip and marked "…" — never dropped silently.
// Figures: the big ones (.q-fig: label and value) and the service line's spans ("ASA 0:14").
// Runs with every queue render: each tick, and in the next frame when the panel changes size.
function droppedFigures(t) {
  const box = t.getBoundingClientRect();
  const out = [];
  for (const f of t.querySelectorAll('.q-fig, .q-svc > *')) {
    const line = f.parentElement.classList.contains('q-svc') ? f.parentElement : null;
    const clip = line ? line.getBoundingClientRect() : box;
    const r = f.getBoundingClientRect();
    if (f.offsetParent === null || r.width === 0 || r.right > Math.min(box.right, clip.right) + 1
      || r.bottom > Math.min(box.bottom, clip.bottom) + 1) out.push(figureText(f));
  }
  return out;
}
function figureText(f) {
  if (f.parentElement.classList.contains('q-svc')) return f.textContent;
  const label = f.querySelector('.fig-label'), val = f.querySelector('.fig-val');
  return (label ? label.textContent : '?') + ' ' + (val ? val.textContent : '');
}
function markDroppedFigures(host) {
  for (const t of host.querySelectorAll('.qtile:not([hidden])')) {
    const text = droppedFigures(t).join(' · ');
    setAttr(t, 'data-dropped', text);
    const name = t.querySelector('.q-name');
    setAttr(t, 'title', (name ? name.textContent : '') + (text ? ' — not shown at this width: ' + text : ''));
  }
}

// ---- org strip: columns that keep every card's status readable ----
const ORG_MIN_REM = 15;
function fitOrgs(host, n) {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const gap = parseFloat(getComputedStyle(host).columnGap) || 0;
  const W = host.clientWidth;
  const maxCols = Math.max(1, Math.floor((W + gap) / (ORG_MIN_REM * rem + gap)));
  const rows = Math.max(1, Math.ceil(n / maxCols));
  const cols = Math.max(1, Math.ceil(n / rows));
  host.style.setProperty('--org-cols', String(cols));
  host.dataset.cols = String(cols);
  host.dataset.rows = String(rows);
  const strips = $('strips');
  if (strips) strips.style.setProperty('--n-orgs', String(Math.max(1, n)));
}
// After layout: a card takes the wide layout (figures beside counts and age) when its text fits, else the
// narrow one (stacked, wrapping); whatever still does not fit is reported (data-clipped="1", data-clipped-what).
function checkOrgClipping(cards) {
  for (const c of cards) {
    const w = c.clientWidth;
    if (c._fitW !== w) { c._fitW = w; setAttr(c, 'data-fit', 'wide'); if (clippedParts(c).length) setAttr(c, 'data-fit', 'narrow'); }
    else if (c.dataset.fit !== 'narrow' && clippedParts(c).length) setAttr(c, 'data-fit', 'narrow');
    const what = clippedParts(c);
    setAttr(c, 'data-clipped', what.length ? '1' : '0');
    setAttr(c, 'data-clipped-what', what.join(','));
  }
}
function clippedParts(c) {
  const box = c.getBoundingClientRect();
  const what = [];
  for (const [cls, name] of [['pill', 'status'], ['org-banner', 'banner'], ['org-age', 'age'], ['org-counts', 'counts'], ['org-figs', 'figures'], ['org-trend', 'trend']]) {
    const e = c.querySelector('.' + cls);
    if (!e || e.hidden || e.offsetParent === null) continue;
    const r = e.getBoundingClientRect();
    if (e.scrollWidth > e.clientWidth + 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1
      || r.bottom > window.innerHeight + 1) what.push(name);
  }
  return what;
}
