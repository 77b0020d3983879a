// The basemap under sigap's layers: streets, water, land use and names from
// GET /basemap/style.json (sigap's own tiles, no internet; or a raster set in
// [basemap] url), merged with a page's own style so that
//   land use  <  the page's risk areas  <  water, buildings, roads  <  the page's
//   lines and markers  <  labels,
// which keeps the bay and the streets visible through the risk colours and every
// label readable. Labels need the glyph endpoint (/fonts/...): the server leaves
// them out of the style until it serves glyphs, and so does this module if the
// style names no glyph url.

/** Layers of the basemap drawn under the page's risk areas. */
const UNDER = (l) => l.type === 'background' || l.type === 'raster' || l.id.startsWith('basemap-landuse');

/**
 * A style url from the server (a path, or absolute with [server] public_url) made
 * absolute against `base` without encoding the {z}/{x}/{y} placeholders.
 */
function absolute(url, base) {
  return /^[a-z]+:/i.test(url) ? url : base.href.replace(/\/$/, '') + (url.startsWith('/') ? url : `/${url}`);
}

/**
 * The basemap style with absolute urls; `null` when the server has none (an old
 * server), so pages fall back to their own background.
 * `base`: the service root (a URL ending in /).
 */
export async function loadBasemap(base) {
  let style;
  try {
    const r = await fetch(new URL('basemap/style.json', base));
    if (!r.ok) return null;
    style = await r.json();
  } catch {
    return null;
  }
  for (const source of Object.values(style.sources)) {
    if (Array.isArray(source.tiles)) source.tiles = source.tiles.map((u) => absolute(u, base));
    // A published map's archive (`pmtiles://basemap.pmtiles`, beside the page).
    if (source.url?.startsWith('pmtiles://')) source.url = `pmtiles://${absolute(source.url.slice(10), base)}`;
  }
  if (style.glyphs) style.glyphs = absolute(style.glyphs, base);
  else style.layers = style.layers.filter((l) => l.type !== 'symbol');
  return style;
}

/**
 * `page` (a style) drawn over `basemap`: `areaCount` of the page's first layers
 * (after its background, which is dropped) go under the basemap's water and roads,
 * the rest above them and under the labels. Basemap layers with an id in `skip`
 * are left out (e.g. its village boundaries when the page draws its own).
 */
export function withBasemap(page, basemap, areaCount, skip = []) {
  if (!basemap) return page;
  const own = page.layers.filter((l) => l.type !== 'background');
  const base = basemap.layers.filter((l) => !skip.includes(l.id));
  const labels = base.filter((l) => l.type === 'symbol');
  const under = base.filter((l) => l.type !== 'symbol' && UNDER(l));
  const over = base.filter((l) => l.type !== 'symbol' && !UNDER(l));
  return {
    ...page,
    ...(basemap.glyphs ? { glyphs: basemap.glyphs } : {}),
    sources: { ...basemap.sources, ...page.sources },
    layers: [...under, ...own.slice(0, areaCount), ...over, ...own.slice(areaCount), ...labels],
  };
}

/**
 * Where a page adds layers at run time over a basemap style: `areas` (risk fills)
 * before the basemap's water and roads, `overlays` (lines, markers) before its
 * labels; undefined ids add on top.
 */
export function basemapSlots(map) {
  const layers = map.getStyle().layers.filter((l) => l.id.startsWith('basemap-'));
  return {
    areas: layers.find((l) => l.type !== 'symbol' && !UNDER(l))?.id,
    overlays: layers.find((l) => l.type === 'symbol')?.id,
  };
}
