// The sigap map viewer: risk of stunting by hexagon and village, for planners.
//
// Steps: read the TileJSON of the villages to fit the map to the city (never a fixed
// centre), build the style for the chosen indicator, wire the indicator switch, the
// legend, popups, the ranked village list and the language toggle. Everything is
// fetched relative to the page, so the viewer works behind any host or path prefix.

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { t, lang, setLang, applyI18n, fmtInt, fmtScore, esc } from './i18n.js';
import { LAYER, INDICATORS, buildStyle, fillColorExpr, heatWeightExpr } from './layers.js';
import { areaHtml, facilityHtml, learnWeights, setProfileQuery } from './popup.js';
import { domainFor, hexDomain, legendHtml } from './scale.js';
import {
  FAMILY_INDICATOR, showFamilies, hideFamilies, familyLegendIndicator, initFamilies, renderFamilyTexts,
} from './families.js';
import {
  initPeriods, periodQuery, applyPeriodToMap, renderChange, renderPeriodTexts, changeNote, showChangeOnMap,
  CHANGE_INDICATOR, changeLegendHtml, hasPeriods, comparePeriod, setCompare,
} from './periods.js';
import {
  initTargets, renderTargetTexts, withWeights, reloadTargets, weightParams, currentWeights,
} from './targets.js';
import { initPrint, renderPrintTexts, printControl } from './print.js';
import { readView, writeView } from './viewstate.js';
import { initSearch, renderSearchTexts } from './search.js';
import { ensureLogin } from './account.js';
import { loadBasemap, withBasemap } from './basemap.js';
import { CASE_LAYER, showCases, caseLines, identityLines } from './cases.js';
import {
  COVERAGE_INDICATOR, GAP_INDICATOR, isInterventionIndicator, showInterventions, hideInterventions,
  interventionLegendHtml, initInterventions, chosenProgramme, chooseProgramme, interventionRows,
} from './interventions.js';
import {
  MEASUREMENT_INDICATOR, showMeasurement, hideMeasurement, measurementLegendHtml, renderMeasurementSummary,
  loadMeasurementSummary,
} from './measurement.js';

/** The directory the page was served from; every API path is resolved against it. */
const BASE = new URL('.', window.location.href);
const TOP_N = 10;
/** The hexagon indicators, then keluarga berisiko stunting (villages, per target group). */
const ALL_INDICATORS = [...INDICATORS, FAMILY_INDICATOR, COVERAGE_INDICATOR, GAP_INDICATOR, MEASUREMENT_INDICATOR,
  CHANGE_INDICATOR];

/** MapLibre's own control labels in Bahasa Indonesia. */
const MAP_WORDS_ID = {
  'NavigationControl.ZoomIn': 'Perbesar',
  'NavigationControl.ZoomOut': 'Perkecil',
  'GeolocateControl.FindMyLocation': 'Di mana saya',
  'GeolocateControl.LocationNotAvailable': 'Lokasi tidak tersedia',
  'ScaleControl.Kilometers': 'km',
  'ScaleControl.Meters': 'm',
  'AttributionControl.ToggleAttribution': 'Sumber data',
  'Popup.Close': 'Tutup',
};

const state = {
  map: null,
  bounds: null,
  indicator: INDICATORS[0],
  domain: INDICATORS[0].fallback,
  domainFromData: false,
  loaded: false, // the style has loaded: paint properties can be set
  villages: null, // rows of /api/villages, or null while loading / unavailable
  showAll: false,
  popup: null,
  popupRender: null,
};

const $ = (id) => document.getElementById(id);

async function getJson(path) {
  const response = await fetch(new URL(path, BASE));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// ---- indicator, legend -------------------------------------------------------------

function applyIndicator() {
  const { map, indicator: ind } = state;
  if (!state.loaded) return; // the load handler applies it
  showChangeOnMap(map, state.villages, ind === CHANGE_INDICATOR);
  if (ind === MEASUREMENT_INDICATOR) {
    hideFamilies(map);
    hideInterventions(map);
    showHexes(map, false);
    showMeasurement(map, BASE, periodQuery())
      .then(() => { if (state.indicator === ind) renderLegend(); })
      .catch((e) => { $('legend').textContent = `${t(ind.key)}: ${e.message}`; });
    return;
  }
  hideMeasurement(map);
  if (isInterventionIndicator(ind)) {
    hideFamilies(map);
    showInterventions(map, ind, BASE, periodQuery())
      .then(() => { if (state.indicator === ind) { renderLegend(); saveView(); } })
      .catch((e) => { $('legend').textContent = `${t(ind.key)}: ${e.message}`; });
    showHexes(map, false);
    return;
  }
  hideInterventions(map);
  if (ind === CHANGE_INDICATOR) {
    hideFamilies(map);
    showHexes(map, false);
    renderLegend();
    return;
  }
  showHexes(map, true);
  if (ind === FAMILY_INDICATOR) {
    ({ domain: state.domain, fromData: state.domainFromData } = showFamilies(map, state.villages));
    renderLegend();
    return;
  }
  hideFamilies(map);
  const { domain, fromData } = domainFor(ind, map, state.villages);
  state.domain = domain;
  state.domainFromData = fromData;
  map.setPaintProperty(LAYER.hexFill, 'fill-color', fillColorExpr(ind, state.domain));
  map.setPaintProperty(LAYER.heat, 'heatmap-weight', heatWeightExpr(ind, state.domain));
  renderLegend();
}

/** Shows or hides the hexagon layers (heatmap, fill, outline). */
function showHexes(map, visible) {
  for (const id of [LAYER.heat, LAYER.hexFill, LAYER.hexLine]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
}

function refreshHexDomain() {
  const ind = state.indicator;
  if (ind.scale !== 'hexes' || !state.loaded || ind === FAMILY_INDICATOR || ind === CHANGE_INDICATOR) return;
  const d = hexDomain(state.map, ind);
  if (d && (d[0] !== state.domain[0] || d[1] !== state.domain[1])) applyIndicator();
}

function renderIndicatorSelect() {
  const select = $('indicator');
  const offered = ALL_INDICATORS.filter((ind) => ind !== CHANGE_INDICATOR || hasPeriods());
  select.replaceChildren(...offered.map((ind) => new Option(t(ind.key), ind.key, false, ind === state.indicator)));
}

function renderLegend() {
  if (state.indicator === MEASUREMENT_INDICATOR) {
    $('legend').innerHTML = measurementLegendHtml();
    return;
  }
  if (isInterventionIndicator(state.indicator)) {
    $('legend').innerHTML = interventionLegendHtml(state.indicator);
    return;
  }
  if (state.indicator === CHANGE_INDICATOR) {
    $('legend').innerHTML = changeLegendHtml();
    return;
  }
  const ind = state.indicator === FAMILY_INDICATOR ? familyLegendIndicator() : state.indicator;
  $('legend').innerHTML = legendHtml(ind, state.domain, state.domainFromData);
}

// ---- popups and selection ----------------------------------------------------------

function clearSelection() {
  state.map.setFilter(LAYER.hexSelected, ['==', ['get', 'h3'], '']);
  state.map.setFilter(LAYER.villageSelected, ['==', ['get', 'code'], '']);
}

function openPopup(lngLat, render, anchor = undefined) {
  state.popup?.remove(); // its close handler clears the old selection
  const popup = new maplibregl.Popup({ maxWidth: '340px', focusAfterOpen: false, anchor })
    .setLngLat(lngLat).setHTML(render()).addTo(state.map);
  popup.on('close', () => {
    if (state.popup !== popup) return;
    state.popup = null;
    state.popupRender = null;
    clearSelection();
  });
  state.popup = popup;
  state.popupRender = render;
}

function onMapClick(e) {
  const { map } = state;
  const near = [[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]];
  const child = map.getLayer(CASE_LAYER) ? map.queryRenderedFeatures(near, { layers: [CASE_LAYER] })[0] : null;
  if (child) {
    const lines = caseLines(child.properties);
    const render = (named) => () => [...named.map((l, i) => (i ? `<p>${esc(l)}</p>` : `<p><strong>${esc(l)}</strong></p>`)),
      ...lines.map((l) => `<p>${esc(l)}</p>`)].join('');
    openPopup(child.geometry.coordinates, render([]));
    // Who the child is, for those allowed (opened and audited on the server); no name
    // when the register gave none or the account may not know it.
    const popup = state.popup;
    getJson(`api/children/${encodeURIComponent(child.properties.pseudonym)}/identity`).then((who) => {
      const named = identityLines(who);
      if (state.popup !== popup || !who.name) return;
      state.popupRender = render(named);
      popup.setHTML(state.popupRender());
    }).catch(() => {});
    return;
  }
  const facility = map.queryRenderedFeatures(near, { layers: [LAYER.puskesmas, LAYER.pustu, LAYER.posyandu] })[0];
  if (facility) {
    openPopup(facility.geometry.coordinates, () => facilityHtml(facility.properties));
    return;
  }
  const village = map.queryRenderedFeatures(e.point, { layers: [LAYER.villageFill] })[0]?.properties;
  // Hexagons answer clicks once they are clearly visible (the fade is past half-way).
  const hex = map.getZoom() >= 12 ? map.queryRenderedFeatures(e.point, { layers: [LAYER.hexFill] })[0] : null;
  if (hex) {
    const props = hex.properties;
    openPopup(e.lngLat, () => areaHtml(props, village));
    map.setFilter(LAYER.hexSelected, ['==', ['get', 'h3'], props.h3]);
    // Tiles carry what the map draws; the cell's other figures (severe, households
    // without latrine, ...) come from the API, then fill the open popup.
    hexDetails(hex).then((full) => {
      if (!full || state.popup === null || state.popupRender === null) return;
      const render = () => areaHtml(full, village);
      state.popupRender = render;
      state.popup.setHTML(render());
    }).catch(() => {});
  } else if (village) {
    // On a coverage or gap map the popup says the programme's reach in the village.
    openPopup(e.lngLat, () => areaHtml(village, null,
      isInterventionIndicator(state.indicator) ? interventionRows(village.code) : []));
    map.setFilter(LAYER.villageSelected, ['==', ['get', 'code'], village.code]);
  } else {
    state.popup?.remove();
  }
}

/**
 * All the figures of a clicked hexagon, from /api/hexes (same period, comparison and
 * what-if weights as the map) asked for the cells with a corner in the hexagon's own
 * bounding box, of which it is one. Null if it is not found.
 */
async function hexDetails(feature) {
  const props = feature.properties;
  const res = parseInt(String(props.h3)[1], 16);
  const ring = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates[0] : feature.geometry.coordinates.flat(1);
  const xs = ring.map((c) => c[0]);
  const ys = ring.map((c) => c[1]);
  const q = new URLSearchParams(withWeights(periodQuery()).replace(/^\?/, ''));
  q.set('res', String(res));
  // Padded a tenth: tile coordinates are rounded, the API's corners are not.
  const [w, s, e, n] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  const dx = (e - w) / 10;
  const dy = (n - s) / 10;
  q.set('bbox', [w - dx, s - dy, e + dx, n + dy].map((v) => v.toFixed(6)).join(','));
  const body = await getJson(`api/hexes?${q}`);
  return body.features.find((f) => f.properties.h3 === props.h3)?.properties ?? null;
}

function setPointer(layers) {
  for (const id of layers) {
    state.map.on('mouseenter', id, () => { state.map.getCanvas().style.cursor = 'pointer'; });
    state.map.on('mouseleave', id, () => { state.map.getCanvas().style.cursor = ''; });
  }
}

// ---- ranked village list -----------------------------------------------------------

/** Bounding box [[w, s], [e, n]] of a village from the tiles loaded, or null. */
function villageBounds(code) {
  const parts = state.map.querySourceFeatures('villages', {
    sourceLayer: 'villages', filter: ['==', ['get', 'code'], code],
  });
  if (!parts.length) return null;
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(visit);
  };
  for (const f of parts) visit(f.geometry.coordinates);
  return [[box[0], box[1]], [box[2], box[3]]];
}

/** True when every village tile is loaded: the whole city lies inside the view. */
function cityInView() {
  if (!state.bounds) return false;
  const view = state.map.getBounds();
  return view.contains(state.bounds[0]) && view.contains(state.bounds[1]);
}

function selectVillage(row) {
  const { map } = state;
  document.body.classList.remove('panel-open');
  const show = () => {
    const bounds = villageBounds(row.code);
    if (!bounds) return;
    // On a wide map the popup sits left of the village, so leave room for it there.
    const wide = map.getCanvas().clientWidth > 760;
    map.fitBounds(bounds, { padding: wide ? { top: 48, bottom: 48, right: 48, left: 400 } : 48, maxZoom: 14 });
    const midLat = (bounds[0][1] + bounds[1][1]) / 2;
    const at = wide ? [bounds[0][0], midLat] : [(bounds[0][0] + bounds[1][0]) / 2, midLat];
    openPopup(at, () => areaHtml(row), wide ? 'right' : undefined);
    map.setFilter(LAYER.villageSelected, ['==', ['get', 'code'], row.code]);
  };
  // Zoomed in, the loaded tiles hold only part of the village (or none of it): show the
  // whole city first, so its outline is complete, then fit to it.
  if (cityInView()) show();
  else {
    map.once('idle', show);
    if (state.bounds) map.fitBounds(state.bounds, { padding: 32, animate: false });
    else if (Array.isArray(row.centre)) map.jumpTo({ center: row.centre, zoom: 12 });
  }
}

/** Fits the map to several villages (a kecamatan found by search) and outlines them. */
function selectVillages(rows) {
  const { map } = state;
  document.body.classList.remove('panel-open');
  state.popup?.remove();
  const codes = rows.map((r) => r.code);
  const show = () => {
    const boxes = codes.map(villageBounds).filter(Boolean);
    if (!boxes.length) return;
    const w = Math.min(...boxes.map((b) => b[0][0])); const so = Math.min(...boxes.map((b) => b[0][1]));
    const e = Math.max(...boxes.map((b) => b[1][0])); const n = Math.max(...boxes.map((b) => b[1][1]));
    map.fitBounds([[w, so], [e, n]], { padding: 48, maxZoom: 14 });
    map.setFilter(LAYER.villageSelected, ['in', ['get', 'code'], ['literal', codes]]);
  };
  if (cityInView()) show();
  else {
    map.once('idle', show);
    if (state.bounds) map.fitBounds(state.bounds, { padding: 32, animate: false });
  }
}

function renderVillageList() {
  const list = $('village-list');
  const more = $('show-all');
  if (state.villages === null) {
    list.innerHTML = `<li class="muted">${t('loading')}</li>`;
    more.hidden = true;
    return;
  }
  if (!state.villages.length) {
    list.innerHTML = `<li class="muted">${t('listUnavailable')}</li>`;
    more.hidden = true;
    return;
  }
  const rows = state.showAll ? state.villages : state.villages.slice(0, TOP_N);
  // Bars are relative to the highest-risk village, which gets a full bar.
  const maxRisk = Math.max(...state.villages.map((v) => Number(v.risk)).filter(Number.isFinite), 1e-9);
  list.replaceChildren(...rows.map((row, i) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    const risk = Number(row.risk);
    button.innerHTML = '<span class="rank"></span><span class="who"><span class="name"></span>'
      + '<span class="muted sub"></span></span><span class="score"><span class="bar"><span></span></span><span class="val"></span></span>';
    button.querySelector('.rank').textContent = String(i + 1);
    button.querySelector('.name').textContent = row.name;
    button.querySelector('.sub').textContent = `${t('district')} ${row.district} · ${fmtInt(Number(row.stunted))} ${t('stuntedShort')}${changeNote(row)}`;
    button.querySelector('.bar span').style.width = `${Math.max(0, Math.min(1, risk / maxRisk)) * 100}%`;
    button.querySelector('.val').textContent = fmtScore(risk);
    button.addEventListener('click', () => selectVillage(row));
    li.append(button);
    return li;
  }));
  more.hidden = state.villages.length <= TOP_N;
  more.textContent = state.showAll ? t('showTop') : `${t('showAll')} (${state.villages.length})`;
}

async function loadVillageList() {
  renderVillageList();
  try {
    const body = await getJson(`api/villages${withWeights(periodQuery())}`);
    state.villages = Array.isArray(body.villages) ? body.villages : [];
    learnWeights(state.villages[0]?.factors);
  } catch {
    state.villages = [];
  }
  renderVillageList();
  renderChange(state.villages);
  applyIndicator(); // the village maxima set the colour scale (and the change its colours)
}

// ---- page chrome ---------------------------------------------------------------------

function renderTexts() {
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  $('panel-toggle').textContent = document.body.classList.contains('panel-open') ? t('hideList') : t('showList');
  renderIndicatorSelect();
  renderLegend();
  renderVillageList();
  renderPeriodTexts();
  renderFamilyTexts();
  renderTargetTexts();
  renderSearchTexts();
  renderPrintTexts();
  renderChange(state.villages);
  renderMeasurementSummary();
  if (state.popup && state.popupRender) state.popup.setHTML(state.popupRender());
}

async function showDemoBanner() {
  try {
    const health = await getJson('health');
    $('demo-banner').hidden = health?.demo !== true;
  } catch {
    // no health endpoint: no banner
  }
}

/** Puts the indicator, period, comparison and weights in the address (see viewstate.js). */
function saveView() {
  writeView({
    ind: state.indicator.key,
    prog: isInterventionIndicator(state.indicator) ? chosenProgramme() : null,
    query: periodQuery(),
    weights: weightParams(),
  });
  renderPrintTexts(); // the print's title block follows the view
}

/** What the print and the PNG export name: indicator, period, comparison, weights. */
function printView() {
  const q = new URLSearchParams(periodQuery().replace(/^\?/, ''));
  return {
    // A coverage or gap map names its programme: "Cakupan intervensi: PMT lokal".
    indicator: [$('indicator').selectedOptions[0]?.textContent ?? t(state.indicator.key),
      isInterventionIndicator(state.indicator) ? $('programme').selectedOptions[0]?.textContent : null]
      .filter(Boolean).join(': '),
    indicatorKey: isInterventionIndicator(state.indicator) && $('programme').value
      ? `${state.indicator.key}-${$('programme').value}` : state.indicator.key,
    period: q.get('period') ?? '',
    compare: q.get('compare') ?? '',
    weights: currentWeights(),
  };
}

function wireControls() {
  initFamilies(applyIndicator);
  initInterventions(() => { applyIndicator(); saveView(); });
  // What-if weights: the list re-ranks and its reload recolours the map.
  initTargets({ periodQuery, onWeights: () => { applyIndicator(); loadVillageList(); saveView(); } });
  $('indicator').addEventListener('change', (e) => {
    state.indicator = ALL_INDICATORS.find((ind) => ind.key === e.target.value) ?? INDICATORS[0];
    // The change needs a comparison: the period before the one shown.
    if (state.indicator === CHANGE_INDICATOR && !comparePeriod()) setCompare(null);
    applyIndicator();
    saveView();
  });
  initSearch({ villages: () => state.villages, selectVillage, selectVillages });
  initPrint({ map: () => state.map, view: printView });
  setProfileQuery(() => withWeights(periodQuery()));
  $('lang-toggle').addEventListener('click', () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    renderTexts();
  });
  $('panel-toggle').addEventListener('click', () => {
    document.body.classList.toggle('panel-open');
    renderTexts();
  });
  $('show-all').addEventListener('click', () => {
    state.showAll = !state.showAll;
    renderVillageList();
  });
}

/** TileJSON bounds as [[w, s], [e, n]], or null when the server gave none. */
function tileJsonBounds(tj) {
  const b = tj?.bounds;
  return Array.isArray(b) && b.length === 4 && b.every(Number.isFinite) ? [[b[0], b[1]], [b[2], b[3]]] : null;
}

async function main() {
  const asked = readView();
  state.indicator = ALL_INDICATORS.find((ind) => ind.key === asked.ind) ?? state.indicator;
  chooseProgramme(asked.prog);
  showDemoBanner();
  // Staff only: everything below needs a login (the public map is /embed).
  window.sigapUser = await ensureLogin();
  wireControls();
  renderTexts();
  const urls = {
    hexes: new URL('tiles/hexes.json', BASE).href,
    villages: new URL('tiles/villages.json', BASE).href,
    facilities: new URL('tiles/facilities.json', BASE).href,
  };
  const [tj, basemap] = await Promise.all([getJson('tiles/villages.json'), loadBasemap(BASE)]);
  state.bounds = tileJsonBounds(tj);
  const [lon, lat, zoom] = Array.isArray(tj.center) ? tj.center : [0, 0, 1];
  // A coverage, gap or measurement map (from a shared link) draws on the village polygons once the
  // map has loaded: the hexagons start with the default indicator's paint.
  const first = isInterventionIndicator(state.indicator) || state.indicator === MEASUREMENT_INDICATOR
    ? INDICATORS[0] : state.indicator;
  const own = buildStyle(first, state.domain, urls, state.bounds ? (state.bounds[0][1] + state.bounds[1][1]) / 2 : lat);
  if (basemap) {
    // The basemap is the land now: the village fill stays only to be clicked.
    own.layers.find((l) => l.id === LAYER.villageFill).paint['fill-opacity'] = 0;
    // Hexagons a little lighter, so land use shows through them.
    const hex = own.layers.find((l) => l.id === LAYER.hexFill).paint;
    hex['fill-opacity'] = hex['fill-opacity'].map((v) => (v === 0.8 ? 0.7 : v));
  }
  // Village fill, heatmap, hexagon fill and edges and the village lines under the
  // basemap's water and roads (no boundary drawn across the bay); sigap's own village
  // lines replace the basemap's.
  const map = new maplibregl.Map({
    container: 'map',
    style: withBasemap(own, basemap, 5, ['basemap-villages']),
    ...(state.bounds ? { bounds: state.bounds, fitBoundsOptions: { padding: 32 } } : { center: [lon, lat], zoom }),
    attributionControl: { compact: true },
    // The view in the address as `#map=zoom/lat/lon` (beside viewstate.js's keys): a
    // copied link opens here, and it wins over the city's bounds.
    hash: 'map',
    locale: lang() === 'id' ? MAP_WORDS_ID : {},
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    // Keep what was drawn: a printed page (and the PNG export) reads the canvas after
    // the browser has shown it, when an unpreserved WebGL buffer is already empty.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  state.map = map;
  window.sigapMap = map;
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  // "Where am I": the browser's position (asked for only when pressed), one fix, no tracking.
  map.addControl(new maplibregl.GeolocateControl({
    positionOptions: { enableHighAccuracy: true, timeout: 15_000 },
    trackUserLocation: false,
    fitBoundsOptions: { maxZoom: 15 },
  }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  // "Cetak" and "Unduh PNG", under the zoom and position buttons (web/print.js).
  map.addControl(printControl(), 'top-right');
  map.once('load', () => {
    state.loaded = true;
    applyIndicator();
    showCases(map, window.sigapUser, periodQuery());
    map.once('idle', () => { window.sigapReady = true; renderPrintTexts(); });
  });
  map.on('idle', refreshHexDomain);
  map.on('click', onMapClick);
  setPointer([LAYER.hexFill, LAYER.villageFill, LAYER.puskesmas, LAYER.pustu, LAYER.posyandu]);
  loadVillageList();
  loadMeasurementSummary(BASE, periodQuery());
  // New targets uploaded from the panel: the coverage map repaints with them.
  document.addEventListener('sigap:measurement-changed', () => {
    if (state.indicator === MEASUREMENT_INDICATOR) applyIndicator();
  });
  // A period or comparison chosen: other tiles, another list.
  initPeriods(() => {
    // A comparison chosen shows the change; none leaves the change for the risk.
    if (comparePeriod() && state.indicator !== CHANGE_INDICATOR) state.indicator = CHANGE_INDICATOR;
    else if (!comparePeriod() && state.indicator === CHANGE_INDICATOR) state.indicator = INDICATORS[0];
    renderIndicatorSelect();
    saveView();
    if (state.loaded) {
      applyPeriodToMap(map);
      showCases(map, window.sigapUser, periodQuery());
    } else map.once('load', () => applyPeriodToMap(map));
    state.popup?.remove();
    state.villages = null;
    loadVillageList();
    loadMeasurementSummary(BASE, periodQuery());
    reloadTargets();
  }).then(() => {
    // With periods known, the change is offered (and a link may have asked for it).
    if (state.indicator === CHANGE_INDICATOR && !comparePeriod()) setCompare(null);
    renderIndicatorSelect();
  });
}

main().catch((err) => {
  $('fatal').hidden = false;
  $('fatal').textContent = `${t('loadFailed')}: ${err.message}`;
  throw err;
});
