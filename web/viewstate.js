// The view in the page's address, so a copied link opens the same map: MapLibre keeps
// `map=zoom/lat/lon` in the hash (its `hash: 'map'` option) and this module keeps the
// rest beside it: `ind` (indicator), `prog` (the programme of a coverage or gap
// map), `period`, `compare` and `w.<factor>` (what-if weights). Written with history.replaceState: moving the map adds no history entry.

/** What the address asks for: `{ ind, prog, period, compare, weights: { factor: number } }`. */
export function readView() {
  const h = new URLSearchParams(window.location.hash.slice(1));
  const weights = {};
  for (const [k, v] of h) {
    if (k.startsWith('w.') && v !== '' && Number.isFinite(Number(v))) weights[k.slice(2)] = Number(v);
  }
  return { ind: h.get('ind'), prog: h.get('prog'), period: h.get('period'), compare: h.get('compare'), weights };
}

/**
 * Writes the view: `ind` (indicator key), `prog` (programme code, or null), `query` (the
 * period query, '?period=..&compare=..' or '') and `weights` (URLSearchParams of
 * `w.<factor>` that differ from the configured ones). MapLibre's own `map=` part is kept
 * as it is.
 */
export function writeView({ ind, prog, query, weights }) {
  const mapPart = window.location.hash.slice(1).split('&').find((p) => p.startsWith('map='));
  const parts = mapPart ? [mapPart] : [];
  const add = (k, v) => { if (v) parts.push(`${k}=${encodeURIComponent(v)}`); };
  add('ind', ind);
  add('prog', prog);
  const q = new URLSearchParams((query || '').replace(/^\?/, ''));
  add('period', q.get('period'));
  add('compare', q.get('compare'));
  for (const [k, v] of weights ?? []) add(k, v);
  const hash = parts.length ? `#${parts.join('&')}` : '';
  if (hash !== window.location.hash) {
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
  }
}
