// The PNG export of the map ("Unduh PNG", wired in print.js): the map canvas as drawn,
// with the title block above it, the legend (read back from the legend on the page), a
// scale bar of a round length and the sources below, composed on one 2D canvas.

import { t, lang } from './i18n.js';
import { FACTORS } from './layers.js';

const locale = () => (lang() === 'id' ? 'id-ID' : 'en-GB');
const $ = (id) => document.getElementById(id);

/** The factor names of the file name, as the priority exports write them (src/export/sheet.rs). */
const SHORT = {
  prevalence: 'prev', stunted: 'stunting', no_latrine: 'jamban', no_safe_water: 'air', no_sanitation: 'sanitasi', puskesmas: 'puskesmas',
};

/** `sigap-peta-<indicator>-<period>[-banding-<compare>][-bobot-...].png`. */
export function pngName(indicatorKey, period, compare, weights) {
  const parts = ['sigap-peta', indicatorKey, period].filter(Boolean);
  if (compare) parts.push('banding', compare);
  if (weights?.moved) {
    const hundredths = (x) => String(Math.round(x * 1000) / 10);
    parts.push('bobot', ...FACTORS.map((f) => `${SHORT[f]}${hundredths(weights.weights[f])}`));
  }
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]+/g, '_')}.png`;
}

/** Lines of `text` no wider than `width` in the context's current font. */
function wrap(ctx, text, width) {
  const out = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/** The colour stops of a CSS `linear-gradient(to right, c p%, ...)`. */
function gradientStops(css) {
  const stops = [];
  for (const m of css.matchAll(/(#[0-9a-f]{3,8}|rgba?\([^)]*\))\s+([\d.]+)%/gi)) stops.push([Number(m[2]) / 100, m[1]]);
  return stops;
}

/** The legend on the page, read back: heading, ramp, ticks, notes and keys. */
function readLegend() {
  const el = $('legend');
  const ramp = el.querySelector('.ramp');
  return {
    heading: el.querySelector('h2')?.textContent ?? '',
    stops: ramp ? gradientStops(ramp.getAttribute('style') ?? '') : [],
    ticks: [...el.querySelectorAll('.ticks span')].map((s) => s.textContent),
    notes: [...el.querySelectorAll('p.muted:not(.hint)')].map((p) => p.textContent),
    keys: [...el.querySelectorAll('.keys li')].map((li) => {
      const i = li.querySelector('i');
      return { text: li.textContent, colour: i?.style.background || '#ccc', dot: i?.classList.contains('dot') ?? false };
    }),
  };
}

/** Draws the legend box with its bottom-left corner at (x, y); CSS px scaled by `s`. */
function drawLegend(ctx, x, y, s) {
  const L = readLegend();
  const w = 250 * s;
  const pad = 10 * s;
  const inner = w - 2 * pad;
  const font = (size, bold = false) => `${bold ? '600 ' : ''}${size * s}px system-ui, "Noto Sans", "DejaVu Sans", sans-serif`;
  ctx.font = font(11);
  const notes = L.notes.flatMap((n) => wrap(ctx, n, inner));
  // Two columns of keys when every label fits in half the box, else one.
  const cols = L.keys.every((k) => ctx.measureText(k.text).width <= inner / 2 - 20 * s) ? 2 : 1;
  const keyRows = Math.ceil(L.keys.length / cols);
  const h = pad * 2 + 18 * s + (L.stops.length ? 26 * s : 0) + notes.length * 14 * s + keyRows * 17 * s;
  const top = y - h;
  ctx.fillStyle = 'rgba(255,255,255,0.94)';
  ctx.strokeStyle = 'rgba(0,0,0,0.25)';
  ctx.lineWidth = s;
  ctx.fillRect(x, top, w, h);
  ctx.strokeRect(x, top, w, h);
  let cy = top + pad;
  ctx.fillStyle = '#1f2937';
  ctx.textBaseline = 'top';
  ctx.font = font(13, true);
  ctx.fillText(L.heading, x + pad, cy, inner);
  cy += 18 * s;
  if (L.stops.length) {
    const g = ctx.createLinearGradient(x + pad, 0, x + pad + inner, 0);
    for (const [at, c] of L.stops) g.addColorStop(at, c);
    ctx.fillStyle = g;
    ctx.fillRect(x + pad, cy, inner, 10 * s);
    ctx.fillStyle = '#1f2937';
    ctx.font = font(11);
    const [a, b, c] = L.ticks;
    cy += 12 * s;
    ctx.textAlign = 'left'; ctx.fillText(a ?? '', x + pad, cy);
    ctx.textAlign = 'center'; ctx.fillText(b ?? '', x + pad + inner / 2, cy);
    ctx.textAlign = 'right'; ctx.fillText(c ?? '', x + pad + inner, cy);
    ctx.textAlign = 'left';
    cy += 14 * s;
  }
  ctx.fillStyle = '#6b7280';
  ctx.font = font(11);
  for (const line of notes) { ctx.fillText(line, x + pad, cy); cy += 14 * s; }
  ctx.font = font(11);
  L.keys.forEach((k, i) => {
    const kx = x + pad + (i % cols) * (inner / cols);
    const ky = cy + Math.floor(i / cols) * 17 * s;
    ctx.fillStyle = k.colour;
    if (k.dot) {
      ctx.beginPath(); ctx.arc(kx + 6 * s, ky + 7 * s, 5 * s, 0, 2 * Math.PI); ctx.fill();
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5 * s; ctx.stroke();
    } else {
      ctx.fillRect(kx, ky + 1 * s, 12 * s, 12 * s);
    }
    ctx.fillStyle = '#1f2937';
    ctx.fillText(k.text, kx + 17 * s, ky + 1 * s, inner / cols - 20 * s);
  });
}

/** A scale bar of a round length, its right end at (x, y); `s` CSS px → image px. */
function drawScaleBar(ctx, map, x, y, s) {
  const c = map.getContainer();
  const mid = c.clientHeight / 2;
  const metresPer100 = map.unproject([c.clientWidth / 2 - 50, mid]).distanceTo(map.unproject([c.clientWidth / 2 + 50, mid]));
  const most = (metresPer100 / 100) * 120; // at most 120 CSS px long
  const p = 10 ** Math.floor(Math.log10(most));
  const metres = [5, 2, 1].map((m) => m * p).find((v) => v <= most) ?? p;
  const px = (metres / metresPer100) * 100 * s;
  const label = metres >= 1000 ? `${new Intl.NumberFormat(locale()).format(metres / 1000)} km` : `${metres} m`;
  const left = x - px;
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.fillRect(left - 6 * s, y - 24 * s, px + 12 * s, 28 * s);
  ctx.strokeStyle = '#1f2937';
  ctx.lineWidth = 2 * s;
  ctx.beginPath();
  ctx.moveTo(left, y - 8 * s); ctx.lineTo(left, y); ctx.lineTo(x, y); ctx.lineTo(x, y - 8 * s);
  ctx.stroke();
  ctx.fillStyle = '#1f2937';
  ctx.font = `${12 * s}px system-ui, "Noto Sans", "DejaVu Sans", sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(label, left + px / 2, y - 6 * s);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
}

/**
 * The PNG as a canvas: the title block (`block`, from print.js titleBlock) above the
 * map, the legend and a scale bar on it, `sources` and the printed-on date below.
 */
export function composePng(map, block, sources) {
  const canvas = map.getCanvas();
  const s = canvas.width / canvas.clientWidth; // image px per CSS px
  const W = canvas.width;
  const font = (size, bold = false) => `${bold ? '700 ' : ''}${size * s}px system-ui, "Noto Sans", "DejaVu Sans", sans-serif`;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  const pad = 16 * s;
  ctx.font = font(13);
  const weightLines = block.weights ? wrap(ctx, block.weights, W - 2 * pad) : [];
  const headH = pad + 16 * s + 28 * s + (block.lines.length + weightLines.length) * 18 * s + 10 * s;
  const footH = 26 * s;
  out.width = W;
  out.height = Math.round(headH + canvas.height + footH);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#6b7280';
  ctx.font = font(11);
  ctx.fillText(t('title').toUpperCase(), pad, pad, W - 2 * pad);
  ctx.fillStyle = '#1f2937';
  ctx.font = font(22, true);
  ctx.fillText(block.title, pad, pad + 16 * s, W - 2 * pad);
  ctx.font = font(13);
  let y = pad + 16 * s + 30 * s;
  for (const line of block.lines) { ctx.fillText(line, pad, y, W - 2 * pad); y += 18 * s; }
  ctx.fillStyle = '#9a3412';
  for (const line of weightLines) { ctx.fillText(line, pad, y); y += 18 * s; }
  ctx.drawImage(canvas, 0, headH);
  drawLegend(ctx, 10 * s, headH + canvas.height - 10 * s, s);
  drawScaleBar(ctx, map, W - 16 * s, headH + canvas.height - 12 * s, s);
  ctx.fillStyle = '#6b7280';
  ctx.font = font(11);
  ctx.textAlign = 'right';
  ctx.fillText(block.made, W - pad, headH + canvas.height + 7 * s);
  ctx.textAlign = 'left';
  ctx.fillText(sources, pad, headH + canvas.height + 7 * s, W * 0.7);
  return out;
}
