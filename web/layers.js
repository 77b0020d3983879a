// The map style: our three vector tile sources and the layers drawn from them.
//
// There is no base map (the viewer works offline and shows only what sigap knows):
// a background, the village polygons as land, then the indicator drawn first as a
// heatmap of hex centres and, as the planner zooms in, as H3 hexagons; village outlines
// and health facilities stay on top. Text labels are left out on purpose: they need a
// glyph server, and village names appear in the popup and the side list instead.
// Every style expression carries a comment saying what it computes.

/** Layer ids the app and the browser test refer to. */
export const LAYER = {
  background: 'background',
  villageFill: 'village-fill',
  heat: 'hex-heat',
  hexFill: 'hex-fill',
  hexLine: 'hex-line',
  hexSelected: 'hex-selected',
  villageLine: 'village-line',
  villageSelected: 'village-selected',
  pustu: 'facility-pustu',
  posyandu: 'facility-posyandu',
  puskesmas: 'facility-puskesmas',
};

/** Sequential ramp, low to high (ColorBrewer YlOrRd, 5 classes): higher is always worse. */
export const RAMP = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];
export const NO_DATA = '#c8cdd3';
export const COLOURS = { puskesmas: '#1d4ed8', pustu: '#0891b2', posyandu: '#7e22ce' };

/** Zoom band where the heatmap hands over to hexagons. */
const FADE_START = 11;
const FADE_END = 13;

/** H3 resolution the server puts in the hex tiles of each tile zoom (the API contract). */
export function resForZoom(z) {
  if (z <= 7) return 5;
  if (z === 8) return 6;
  if (z <= 10) return 7;
  if (z <= 12) return 8;
  return z === 13 ? 9 : 10;
}

/** Mean H3 hexagon edge length in metres by resolution (h3geo.org resolution table). */
const H3_EDGE_M = { 5: 8544, 6: 3229, 7: 1220, 8: 461, 9: 174, 10: 66 };

/**
 * Expression: heatmap kernel radius in pixels, two hex spacings (3.46 edge lengths) of
 * the resolution served at each zoom, so that neighbouring centres blend into a smooth
 * surface whose density tracks the weights. Within one tile zoom the pixel size doubles
 * per zoom level (exponential base 2); at each integer zoom it drops when the tiles
 * switch to a finer resolution. `lat` (degrees) corrects the Mercator scale.
 */
function heatRadiusExpr(lat) {
  const metresPerPixelZ0 = 40075016.686 * Math.cos((lat * Math.PI) / 180) / 512;
  const stops = [];
  for (let z = 3; z < FADE_END; z += 1) {
    const px = (3.46 * H3_EDGE_M[resForZoom(z)] * 2 ** z) / metresPerPixelZ0;
    stops.push(z, +px.toFixed(2), z + 0.999, +(px * 2 ** 0.999).toFixed(2));
  }
  // Doubling within a tile zoom, a step down where the hex resolution gets finer.
  return ['interpolate', ['exponential', 2], ['zoom'], ...stops];
}

/**
 * What can be shown. `prop` is the tile property. `scale` says how the colour ramp's top
 * is chosen: 'villages' = the highest value among villages (from /api/villages, so one
 * scale for the whole city and every zoom; hexes above it get the top colour), 'hexes' =
 * the highest value among the hexes loaded at the current resolution (for counts, which
 * grow with the hexagon's size). `fallback` is the range used until that is known.
 * `needs` names the denominator a rate or share requires to mean anything.
 */
export const INDICATORS = [
  { key: 'risk', prop: 'risk', scale: 'villages', fallback: [0, 1], kind: 'score', note: 'legendScore' },
  { key: 'prevalence', prop: 'prevalence', scale: 'villages', fallback: [0, 0.4], kind: 'pct', needs: 'children' },
  { key: 'stunted', prop: 'stunted', scale: 'hexes', fallback: [0, 10], kind: 'int', note: 'legendPerHex' },
  { key: 'no_latrine', prop: 'share_no_latrine', scale: 'villages', fallback: [0, 1], kind: 'pct', needs: 'households', note: 'legendShareHh' },
  { key: 'no_safe_water', prop: 'share_no_safe_water', scale: 'villages', fallback: [0, 1], kind: 'pct', needs: 'households', note: 'legendShareHh' },
  { key: 'no_sanitation', prop: 'share_no_sanitation', scale: 'villages', fallback: [0, 1], kind: 'pct', needs: 'households', note: 'legendShareHh' },
  // Over the roads (needs an imported road network; without one every area is "no data").
  { key: 'puskesmas_min', prop: 'puskesmas_min', scale: 'villages', fallback: [0, 30], kind: 'min' },
  { key: 'puskesmas_km', prop: 'puskesmas_km', scale: 'villages', fallback: [0, 10], kind: 'km' },
  // Needs an imported population raster; without one every area is "no data".
  { key: 'population', prop: 'population', scale: 'hexes', fallback: [0, 100], kind: 'int', needs: 'population', note: 'legendPerHex' },
  { key: 'coverage', prop: 'coverage', scale: 'villages', fallback: [0, 1], kind: 'pct', needs: 'population', note: 'legendCoverage' },
];

/** The risk factors, in the order the popup lists them (tiles carry `n_<factor>`, 0..1). */
export const FACTORS = ['prevalence', 'stunted', 'no_latrine', 'no_safe_water', 'no_sanitation', 'puskesmas'];

/**
 * Expression: the risk score under what-if `weights` ({factor: w}), recomputed from the
 * tiles' normalised values exactly as the server does: Σ w·n_<factor> / Σ w.
 */
export function riskExpr(weights) {
  const total = FACTORS.reduce((s, f) => s + (Number(weights[f]) || 0), 0);
  if (!(total > 0)) return ['get', 'risk'];
  const terms = FACTORS.map((f) => ['*', Number(weights[f]) || 0, ['to-number', ['get', `n_${f}`], 0]]);
  return ['/', ['+', ...terms], total];
}

/** Expression: the value shown for `ind` (`ind.expr` when set, e.g. what-if risk). */
function valueExpr(ind, missing) {
  return ind.expr ?? ['to-number', ['get', ind.prop], missing];
}

/** Expression: true when the feature has a meaningful value for `ind`. */
function validExpr(ind) {
  // A share or rate needs a non-zero denominator; any other value just has to be present.
  return ind.needs ? ['>', ['to-number', ['get', ind.needs], 0], 0] : ['has', ind.prop];
}

/** Expression: the indicator's value scaled to 0..1 over `[lo, hi]` and clamped. */
function normalisedExpr(ind, [lo, hi]) {
  const span = hi > lo ? hi - lo : 1;
  // (value - lo) / (hi - lo), clamped to 0..1; a missing value counts as lo.
  return ['min', 1, ['max', 0, ['/', ['-', valueExpr(ind, lo), lo], span]]];
}

/** Expression: fill colour of a hexagon for `ind` over `domain`. */
export function fillColorExpr(ind, domain) {
  const [lo, hi] = domain;
  const stops = RAMP.flatMap((colour, i) => [lo + ((hi - lo) * i) / (RAMP.length - 1), colour]);
  return [
    'case',
    // No denominator or no value: the grey "no data" class, never the lowest colour.
    ['!', validExpr(ind)], NO_DATA,
    // Linear ramp from RAMP[0] at lo to RAMP[4] at hi; values outside clamp to the ends.
    ['interpolate', ['linear'], valueExpr(ind, lo), ...stops],
  ];
}

/** Expression: heatmap weight of a hex centre for `ind` over `domain`. */
export function heatWeightExpr(ind, domain) {
  // Invalid hexes weigh nothing; others weigh their normalised value 0..1.
  return ['case', validExpr(ind), normalisedExpr(ind, domain), 0];
}

/**
 * The whole style for `ind` with the three TileJSON urls. The sources point at the
 * TileJSON documents (which carry bounds, zooms and the absolute tile urls); `lat` is
 * the latitude of the area in degrees, for the heatmap radius.
 */
export function buildStyle(ind, domain, urls, lat = 0) {
  return {
    version: 8,
    name: 'sigap',
    sources: {
      hexes: { type: 'vector', url: urls.hexes },
      villages: { type: 'vector', url: urls.villages },
      facilities: { type: 'vector', url: urls.facilities },
    },
    layers: [
      // Sea and everything outside the city: a cool grey so villages read as land.
      { id: LAYER.background, type: 'background', paint: { 'background-color': '#d9e2ea' } },
      {
        id: LAYER.villageFill, type: 'fill', source: 'villages', 'source-layer': 'villages',
        // Constant off-white land; clicks at low zoom hit this layer.
        paint: { 'fill-color': '#f8f7f2', 'fill-opacity': 1 },
      },
      {
        id: LAYER.heat, type: 'heatmap', source: 'hexes', 'source-layer': 'hex_centers',
        maxzoom: FADE_END,
        paint: {
          'heatmap-weight': heatWeightExpr(ind, domain),
          'heatmap-radius': heatRadiusExpr(lat),
          // With that radius a lattice of Gaussian kernels sums to about 1.28 x weight
          // (2.51 sigma^2 / hex area, sigma = radius / 3); 0.78 brings the density back to
          // the weight, so the heatmap colour reads on the same legend as the hexagons.
          'heatmap-intensity': 0.78,
          // Density 0 (outside the data) is transparent; from 0.05 the hexagons' ramp,
          // with RAMP[i] at density i/4 as in the fill.
          'heatmap-color': [
            'interpolate', ['linear'], ['heatmap-density'],
            0, 'rgba(255,255,178,0)', 0.05, RAMP[0], 0.25, RAMP[1], 0.5, RAMP[2], 0.75, RAMP[3], 1, RAMP[4],
          ],
          // Fully visible up to z11, gone at z13 where the hexagons have taken over.
          'heatmap-opacity': ['interpolate', ['linear'], ['zoom'], FADE_START, 0.85, FADE_END, 0],
        },
      },
      {
        id: LAYER.hexFill, type: 'fill', source: 'hexes', 'source-layer': 'hexes',
        minzoom: FADE_START,
        paint: {
          'fill-color': fillColorExpr(ind, domain),
          // Invisible at z11, mostly opaque from z13: the mirror of the heatmap fade.
          'fill-opacity': ['interpolate', ['linear'], ['zoom'], FADE_START, 0, FADE_END, 0.8],
        },
      },
      {
        id: LAYER.hexLine, type: 'line', source: 'hexes', 'source-layer': 'hexes',
        minzoom: FADE_START,
        paint: {
          'line-color': '#ffffff',
          // Thin white hex edges that fade in with the fill.
          'line-opacity': ['interpolate', ['linear'], ['zoom'], FADE_START, 0, FADE_END, 0.7],
          // Hairline at z11, half a pixel wider per zoom step after z13.
          'line-width': ['interpolate', ['linear'], ['zoom'], FADE_START, 0.3, FADE_END, 0.6, 16, 1.5],
        },
      },
      {
        id: LAYER.villageLine, type: 'line', source: 'villages', 'source-layer': 'villages',
        paint: {
          'line-color': '#4b5563',
          // Village boundaries stay thin; a little stronger once hexagons fill the map.
          'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.5, 14, 1.4],
          'line-opacity': 0.8,
        },
      },
      {
        id: LAYER.hexSelected, type: 'line', source: 'hexes', 'source-layer': 'hexes',
        // Only the clicked hexagon (set by the app); no hexagon has an empty id.
        filter: ['==', ['get', 'h3'], ''],
        paint: { 'line-color': '#111827', 'line-width': 2.5 },
      },
      {
        id: LAYER.villageSelected, type: 'line', source: 'villages', 'source-layer': 'villages',
        // Only the village picked in the list or by a click (set by the app).
        filter: ['==', ['get', 'code'], ''],
        paint: { 'line-color': '#111827', 'line-width': 3 },
      },
      {
        id: LAYER.pustu, type: 'circle', source: 'facilities', 'source-layer': 'facilities',
        minzoom: 12,
        // Sub-health centres only, from z12.
        filter: ['==', ['get', 'kind'], 'pustu'],
        paint: {
          // 3 px at z12 growing to 6 px at z16.
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 3, 16, 6],
          'circle-color': COLOURS.pustu,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
      },
      {
        id: LAYER.posyandu, type: 'circle', source: 'facilities', 'source-layer': 'facilities',
        minzoom: 13,
        // Posyandu are many and small: dots from z13 only.
        filter: ['==', ['get', 'kind'], 'posyandu'],
        paint: {
          // 2 px at z13 growing to 4 px at z16.
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 13, 2, 16, 4],
          'circle-color': COLOURS.posyandu,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 0.5,
        },
      },
      {
        id: LAYER.puskesmas, type: 'circle', source: 'facilities', 'source-layer': 'facilities',
        // Puskesmas are the centre of intervention: always shown, on top.
        filter: ['==', ['get', 'kind'], 'puskesmas'],
        paint: {
          // 4 px when the whole city is in view, 9 px in the street view.
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 4, 16, 9],
          'circle-color': COLOURS.puskesmas,
          'circle-stroke-color': '#ffffff',
          // A wider white ring keeps the marker readable over the darkest hexagons.
          'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 9, 1, 16, 2.5],
        },
      },
    ],
  };
}
