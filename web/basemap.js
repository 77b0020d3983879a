// The basemap under sigap's layers: streets, water, land use and names from
// GET /basemap/style.json (sigap's own tiles, no internet; or an XYZ raster or a
// PMTiles archive set in [basemap] url), merged with a page's own style so that
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

/** The `pmtiles` protocol (a promise), registered with MapLibre once per page. */
let protocol = null;

/**
 * The `pmtiles` protocol of this page: loads the `pmtiles` script (served beside
 * MapLibre at vendor/pmtiles/, and beside a published page) unless the page has it,
 * and registers `pmtiles://` with MapLibre once.
 * `base`: the service root (a URL ending in /).
 */
export function pmtilesProtocol(base) {
  protocol ??= (async () => {
    if (!window.pmtiles) {
      await new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = new URL('vendor/pmtiles/pmtiles.js', base).href;
        script.onload = resolve;
        script.onerror = () => reject(new Error(`${script.src} did not load`));
        document.head.append(script);
      });
    }
    // With the archives' metadata: their attribution (e.g. OpenStreetMap) is shown.
    const p = new window.pmtiles.Protocol({ metadata: true });
    // MapLibre only when an archive is used: the route page draws its stop list
    // before the map library arrives.
    const maplibregl = await import('../vendor/maplibre-gl/maplibre-gl.mjs');
    maplibregl.addProtocol('pmtiles', p.tile);
    return p;
  })();
  return protocol;
}

/** PMTiles tile types drawn as images (png, jpeg, webp, avif). */
const RASTER_TYPES = [2, 3, 4, 5];

/**
 * A style naming an external PMTiles archive (`metadata["sigap:pmtiles"]`, see
 * src/basemap/style.rs) made ready to draw: the archive's header says what it holds.
 * A vector archive (in sigap's basemap schema) keeps the style as it is; a raster
 * one replaces the fills and roads like an XYZ raster, and sigap's own tiles come back
 * as the source of the village boundaries and names.
 */
async function withArchive(style, base) {
  const { archive, own } = style.metadata['sigap:pmtiles'];
  // A path is on the page's own origin (`/peta/kota.pmtiles`), like any web url.
  const url = new URL(archive, base).href;
  const p = await pmtilesProtocol(base);
  if (!p.get(url)) p.add(new window.pmtiles.PMTiles(url));
  const header = await p.get(url).getHeader();
  const source = { ...style.sources.basemap, url: `pmtiles://${url}` };
  if (!RASTER_TYPES.includes(header.tileType)) return { ...style, sources: { ...style.sources, basemap: source } };
  const kept = style.layers.filter((l) => l.type === 'background' || l.type === 'symbol' || l.id === 'basemap-villages');
  return {
    ...style,
    sources: {
      ...style.sources,
      basemap: own,
      'basemap-raster': { type: 'raster', url: `pmtiles://${url}`, tileSize: 256 },
    },
    layers: [kept[0], { id: 'basemap-raster', type: 'raster', source: 'basemap-raster' }, ...kept.slice(1)],
  };
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
  const sources = [...Object.values(style.sources), style.metadata?.['sigap:pmtiles']?.own].filter(Boolean);
  for (const source of sources) {
    if (Array.isArray(source.tiles)) source.tiles = source.tiles.map((u) => absolute(u, base));
    // A published map's archive (`pmtiles://basemap.pmtiles`, beside the page).
    if (source.url?.startsWith('pmtiles://')) source.url = `pmtiles://${absolute(source.url.slice(10), base)}`;
  }
  if (style.sources.basemap?.url?.startsWith('pmtiles://')) await pmtilesProtocol(base);
  if (style.metadata?.['sigap:pmtiles']) {
    try {
      style = await withArchive(style, base);
    } catch (e) {
      // An archive that cannot be read: say so, and draw sigap's own basemap.
      console.error(`[basemap] url: ${e.message}`);
      style.sources.basemap = style.metadata['sigap:pmtiles'].own;
    }
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
