// Switchboard dashboard — squarified treemap (Bruls, Huizing, van Wijk 2000) on a <canvas>.
// No dependencies. Exposes window.SBTreemap = { squarify, Heatmap }.
'use strict';
(function () {

  // Lays out `areas[start..end)` (already scaled so that their sum equals w*h and sorted in
  // descending order) inside the rectangle (x, y, w, h). Writes x, y, w, h of item i into
  // out[4*i .. 4*i+3]. Rows are laid along the shorter side; an item joins the current row
  // while that does not worsen the row's worst aspect ratio.
  function squarify(areas, start, end, x, y, w, h, out) {
    let i = start;
    while (i < end) {
      const side = Math.min(w, h);
      if (!(side > 0)) {
        for (; i < end; i++) { out[4 * i] = x; out[4 * i + 1] = y; out[4 * i + 2] = 0; out[4 * i + 3] = 0; }
        break;
      }
      const side2 = side * side;
      let rowSum = 0, rowMin = Infinity, rowMax = 0, worst = Infinity, j = i;
      while (j < end) {
        const a = areas[j];
        const s = rowSum + a;
        const mn = a < rowMin ? a : rowMin;
        const mx = a > rowMax ? a : rowMax;
        const s2 = s * s;
        const r = Math.max((side2 * mx) / s2, s2 / (side2 * mn));
        if (j > i && r > worst) break;
        rowSum = s; rowMin = mn; rowMax = mx; worst = r; j++;
      }
      if (!(rowSum > 0)) { // only zero areas left
        for (; i < end; i++) { out[4 * i] = x; out[4 * i + 1] = y; out[4 * i + 2] = 0; out[4 * i + 3] = 0; }
        break;
      }
      const thick = rowSum / side;
      if (w >= h) { // column on the left, spanning the height
        let yy = y;
        for (let k = i; k < j; k++) {
          const hk = areas[k] / thick;
          out[4 * k] = x; out[4 * k + 1] = yy; out[4 * k + 2] = thick; out[4 * k + 3] = hk;
          yy += hk;
        }
        x += thick; w -= thick;
      } else { // row on the top, spanning the width
        let xx = x;
        for (let k = i; k < j; k++) {
          const wk = areas[k] / thick;
          out[4 * k] = xx; out[4 * k + 1] = y; out[4 * k + 2] = wk; out[4 * k + 3] = thick;
          xx += wk;
        }
        y += thick; h -= thick;
      }
      i = j;
    }
    return out;
  }

  // Convenience: values (any order) → rects in input order.
  function layout(values, x, y, w, h) {
    const n = values.length;
    const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b] - values[a]);
    let total = 0;
    for (const v of values) total += Math.max(0, v);
    const areas = new Float64Array(n);
    const scale = total > 0 ? (w * h) / total : 0;
    idx.forEach((src, k) => { areas[k] = Math.max(0, values[src]) * scale; });
    const tmp = new Float64Array(4 * n);
    squarify(areas, 0, n, x, y, w, h, tmp);
    const out = new Array(n);
    idx.forEach((src, k) => { out[src] = [tmp[4 * k], tmp[4 * k + 1], tmp[4 * k + 2], tmp[4 * k + 3]]; });
    return out;
  }

  const ORG_HEADER_PX = 22;     // CSS px for the org label strip
  const ORG_GAP_PX = 4;         // CSS px between org blocks
  const MIN_ORG_SHARE = 0.06;   // an org with little or no productive time still gets a labelled block

  // The heatmap: owns the canvas, the layout and hit-testing. It knows nothing about the stream.
  //   groups: [{ id, label, sublabel, status, agents: [agentObj], size(agent) → number }]
  //   colourOf(agent) → css colour, dimOf(agent) → bool, labelOf(agent) → [line1, line2]
  class Heatmap {
    constructor(canvas, opts) {
      this.canvas = canvas;
      this.ctx = canvas.getContext('2d', { alpha: false });
      this.opts = opts;
      this.dpr = 1; this.cssW = 0; this.cssH = 0;
      this.groups = [];      // laid-out groups: {id, x,y,w,h, label, sublabel, status, start, end}
      this.ids = [];         // agent id per cell
      this.rects = new Float64Array(0);
      this.cells = 0;
      this.hover = -1;
    }

    resize(cssW, cssH, dpr) {
      this.cssW = Math.max(0, Math.floor(cssW));
      this.cssH = Math.max(0, Math.floor(cssH));
      this.dpr = dpr || 1;
      const pw = Math.round(this.cssW * this.dpr), ph = Math.round(this.cssH * this.dpr);
      if (this.canvas.width !== pw) this.canvas.width = pw;
      if (this.canvas.height !== ph) this.canvas.height = ph;
    }

    // groups: [{id, label, status, weight, items: [{id, value}] sorted desc by value}]
    layout(groups) {
      const W = this.cssW, H = this.cssH;
      const nonEmpty = groups;
      const n = nonEmpty.length;
      this.groups = [];
      let total = 0;
      for (const g of nonEmpty) total += g.weight;
      // Org blocks: stable order (as given), each at least MIN_ORG_SHARE of the area.
      const shares = nonEmpty.map(g => (total > 0 ? g.weight / total : 1 / Math.max(1, n)));
      const floored = shares.map(s => Math.max(s, n > 1 ? MIN_ORG_SHARE : 1));
      const fsum = floored.reduce((a, b) => a + b, 0) || 1;
      const orgAreas = new Float64Array(n);
      floored.forEach((s, i) => { orgAreas[i] = (s / fsum) * W * H; });
      const orgRects = new Float64Array(4 * n);
      squarify(orgAreas, 0, n, 0, 0, W, H, orgRects);

      let cellCount = 0;
      for (const g of nonEmpty) cellCount += g.items.length;
      const rects = new Float64Array(4 * cellCount);
      const ids = new Array(cellCount);
      let off = 0;
      nonEmpty.forEach((g, gi) => {
        let gx = orgRects[4 * gi], gy = orgRects[4 * gi + 1], gw = orgRects[4 * gi + 2], gh = orgRects[4 * gi + 3];
        const pad = n > 1 ? ORG_GAP_PX / 2 : 0;
        gx += pad; gy += pad; gw = Math.max(0, gw - 2 * pad); gh = Math.max(0, gh - 2 * pad);
        const head = Math.min(ORG_HEADER_PX, gh);
        const ax = gx, ay = gy + head, aw = gw, ah = Math.max(0, gh - head);
        const m = g.items.length;
        let sum = 0;
        for (const it of g.items) sum += it.value;
        const areas = new Float64Array(m);
        const scale = sum > 0 ? (aw * ah) / sum : 0;
        for (let k = 0; k < m; k++) areas[k] = g.items[k].value * scale;
        const local = new Float64Array(4 * m);
        squarify(areas, 0, m, ax, ay, aw, ah, local);
        rects.set(local, 4 * off);
        for (let k = 0; k < m; k++) ids[off + k] = g.items[k].id;
        this.groups.push({ id: g.id, label: g.label, status: g.status, x: gx, y: gy, w: gw, h: gh,
          head, start: off, end: off + m, empty: m === 0, emptyText: g.emptyText });
        off += m;
      });
      this.rects = rects; this.ids = ids; this.cells = cellCount;
      if (this.hover >= cellCount) this.hover = -1;
    }

    // agents: Map id → agent. Repaints everything with current colours (layout unchanged).
    draw(agents, groupInfo) {
      const ctx = this.ctx, o = this.opts, dpr = this.dpr;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = o.background;
      ctx.fillRect(0, 0, this.cssW, this.cssH);
      const r = this.rects;
      let drawn = 0;
      for (const g of this.groups) {
        const info = groupInfo(g.id) || {};
        // org header strip
        ctx.fillStyle = o.headerBg;
        ctx.fillRect(g.x, g.y, g.w, g.head);
        if (g.head >= 12) {
          ctx.save();
          ctx.beginPath(); ctx.rect(g.x, g.y, g.w, g.head); ctx.clip();
          ctx.font = `600 13px ${o.font}`;
          ctx.textBaseline = 'middle';
          ctx.fillStyle = o.headerText;
          const title = info.label || g.label || g.id;
          ctx.fillText(title, g.x + 8, g.y + g.head / 2 + 1);
          const tw = ctx.measureText(title).width;
          let used = 8 + tw;
          if (info.statusText) {
            ctx.font = `700 11px ${o.font}`;
            const sw = ctx.measureText(info.statusText).width + 10;
            ctx.fillStyle = info.statusColour || '#555';
            roundRect(ctx, g.x + 16 + tw, g.y + 4, sw, g.head - 8, 3); ctx.fill();
            ctx.fillStyle = '#0b0f17';
            ctx.fillText(info.statusText, g.x + 21 + tw, g.y + g.head / 2 + 1);
            used += 8 + sw;
          }
          if (info.sublabel) {
            ctx.font = `400 12px ${o.font}`;
            const room = g.w - used - 24;
            // the long form when it fits, else the short one, else nothing
            const text = [info.sublabel, info.sublabelShort].find(t => t && ctx.measureText(t).width <= room);
            if (text) {
              ctx.fillStyle = o.headerMuted;
              ctx.textAlign = 'right';
              ctx.fillText(text, g.x + g.w - 8, g.y + g.head / 2 + 1);
              ctx.textAlign = 'left';
            }
          }
          ctx.restore();
        }
        // agent cells, batched by fill style: one path per (colour, dimmed) pair instead of a
        // state change per cell — this is what keeps 15,000 cells cheap
        const batches = new Map();
        for (let i = g.start; i < g.end; i++) {
          const a = agents.get(this.ids[i]);
          if (!a) continue;
          if (!(r[4 * i + 2] > 0 && r[4 * i + 3] > 0)) continue;
          const key = o.colourOf(a) + (o.dimOf(a) ? '|d' : '');
          let list = batches.get(key);
          if (!list) { list = []; batches.set(key, list); }
          list.push(i);
          drawn++;
        }
        for (const [key, list] of batches) {
          const dim = key.endsWith('|d');
          ctx.globalAlpha = dim ? 0.38 : 1;
          ctx.fillStyle = dim ? key.slice(0, -2) : key;
          ctx.beginPath();
          for (const i of list) {
            // snap to device pixels: crisp edges and a clean 1px gap, and cheaper to fill
            const x0 = Math.round(r[4 * i] * dpr), y0 = Math.round(r[4 * i + 1] * dpr);
            const x1 = Math.round((r[4 * i] + r[4 * i + 2]) * dpr), y1 = Math.round((r[4 * i + 1] + r[4 * i + 3]) * dpr);
            const gap = (x1 - x0 > 3 && y1 - y0 > 3) ? 1 : 0;
            ctx.rect(x0 / dpr, y0 / dpr, (x1 - x0 - gap) / dpr, (y1 - y0 - gap) / dpr);
          }
          ctx.fill();
        }
        ctx.globalAlpha = 1;
        // labels inside big enough cells
        ctx.textBaseline = 'top';
        for (let i = g.start; i < g.end; i++) {
          const w = r[4 * i + 2], h = r[4 * i + 3];
          if (w < 40 || h < 22) continue;
          const a = agents.get(this.ids[i]);
          if (!a) continue;
          const x = r[4 * i], y = r[4 * i + 1];
          const [l1, l2] = o.labelOf(a);
          ctx.save();
          ctx.beginPath(); ctx.rect(x + 1, y + 1, w - 2, h - 2); ctx.clip();
          ctx.fillStyle = o.dimOf(a) ? 'rgba(232,237,245,0.85)' : 'rgba(10,14,22,0.88)';
          if (w >= 70 && h >= 32) {
            ctx.font = `600 11px ${o.font}`;
            ctx.fillText(l1, x + 4, y + 4);
            ctx.font = `400 11px ${o.font}`;
            ctx.fillText(l2, x + 4, y + 17);
          } else {
            ctx.font = `600 10px ${o.font}`;
            ctx.fillText(l2, x + 3, y + 3);
          }
          ctx.restore();
        }
        // empty org: explain instead of drawing nothing
        if (g.empty && g.h - g.head > 20) {
          ctx.fillStyle = o.headerMuted;
          ctx.font = `400 13px ${o.font}`;
          ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
          ctx.fillText(g.emptyText || 'No productive time yet today', g.x + g.w / 2, g.y + g.head + (g.h - g.head) / 2);
          ctx.textAlign = 'left';
        }
        // org not live upstream: veil + big word, so nobody reads frozen colours as live
        if (info.veil) {
          const bx = g.x, by = g.y + g.head, bw = g.w, bh = g.h - g.head;
          ctx.fillStyle = info.veil.fill;
          ctx.fillRect(bx, by, bw, bh);
          ctx.strokeStyle = info.veil.stroke; ctx.lineWidth = 3;
          ctx.strokeRect(g.x + 1.5, g.y + 1.5, g.w - 3, g.h - 3);
          if (bh > 30 && bw > 80) {
            const size = Math.max(14, Math.min(44, bw / 12, bh / 4));
            ctx.font = `800 ${size}px ${o.font}`;
            ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
            const tx = bx + bw / 2, ty = by + bh / 2;
            const tw = ctx.measureText(info.veil.text).width + size;
            ctx.fillStyle = info.veil.stroke;
            roundRect(ctx, tx - tw / 2, ty - size * 0.9, tw, size * 1.8, 6); ctx.fill();
            ctx.fillStyle = info.veil.textColour;
            ctx.fillText(info.veil.text, tx, ty + 1);
            if (info.veil.sub && bh > size * 3) {
              ctx.font = `600 ${Math.max(12, size * 0.4)}px ${o.font}`;
              ctx.fillStyle = '#e8edf5';
              ctx.fillText(info.veil.sub, tx, ty + size * 1.5);
            }
            ctx.textAlign = 'left';
          }
        }
      }
      // hovered cell outline
      if (this.hover >= 0 && this.hover < this.cells) {
        const i = this.hover;
        ctx.strokeStyle = '#ffffff'; ctx.lineWidth = 2;
        ctx.strokeRect(r[4 * i] + 1, r[4 * i + 1] + 1, Math.max(0, r[4 * i + 2] - 2), Math.max(0, r[4 * i + 3] - 2));
      }
      return drawn;
    }

    // CSS px → cell index or -1
    hit(px, py) {
      const r = this.rects;
      for (const g of this.groups) {
        if (px < g.x || py < g.y || px >= g.x + g.w || py >= g.y + g.h) continue;
        for (let i = g.start; i < g.end; i++) {
          const x = r[4 * i], y = r[4 * i + 1];
          if (px >= x && py >= y && px < x + r[4 * i + 2] && py < y + r[4 * i + 3]) return i;
        }
        return -1;
      }
      return -1;
    }
  }

  function roundRect(ctx, x, y, w, h, rad) {
    ctx.beginPath();
    ctx.moveTo(x + rad, y);
    ctx.arcTo(x + w, y, x + w, y + h, rad);
    ctx.arcTo(x + w, y + h, x, y + h, rad);
    ctx.arcTo(x, y + h, x, y, rad);
    ctx.arcTo(x, y, x + w, y, rad);
    ctx.closePath();
  }

  window.SBTreemap = { squarify, layout, Heatmap };
})();
