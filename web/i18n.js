// Words of the viewer, Bahasa Indonesia first and English second.
//
// The planners who use this map work in Indonesian, so `id` is the default and the
// dictionary every key must exist in; `en` is for visitors and reviewers. The chosen
// language persists in localStorage so a reload keeps it.

const STORAGE_KEY = 'sigap.lang';

/** Every label the viewer shows, keyed by a stable name. */
const DICT = {
  id: {
    title: 'sigap · Peta risiko stunting',
    subtitle: 'Analisis situasi untuk aksi konvergensi',
    demo: 'Data demo sintetis: bukan data anak yang sebenarnya',
    indicator: 'Indikator',
    language: 'Bahasa',
    switchTo: 'EN',
    switchToTitle: 'Switch to English',
    // Indicators
    risk: 'Skor risiko',
    prevalence: 'Prevalensi stunting',
    stunted: 'Jumlah stunting',
    no_latrine: 'Tanpa jamban',
    no_safe_water: 'Tanpa air minum layak',
    no_sanitation: 'Tanpa sanitasi layak',
    puskesmas_min: 'Waktu tempuh ke puskesmas',
    puskesmas_km: 'Jarak ke puskesmas',
    // Prioritas panel (web/targets.js)
    puskesmas: 'Akses ke puskesmas',
    priorities: 'Prioritas',
    prioritiesHint: 'Desa/kelurahan dengan skor risiko tertinggi, alasannya, dan kestabilan peringkat bila tiap bobot bergeser ±20%.',
    whatIf: 'Bobot faktor (simulasi)',
    resetWeights: 'Kembalikan bobot',
    download: 'Unduh',
    rankRange: 'peringkat',
    inTopShare: 'skenario di daftar teratas',
    alwaysTop: 'selalu teratas',
    targetsUnavailable: 'Daftar prioritas tidak tersedia',
    population: 'Jumlah balita (populasi)',
    coverage: 'Cakupan penimbangan',
    // Popup rows
    children: 'Anak diukur',
    stuntedCount: 'Anak stunting (pendek)',
    stuntedShort: 'anak stunting',
    severe: 'Sangat pendek',
    households: 'Rumah tangga',
    hhNoLatrine: 'RT tanpa jamban',
    hhNoSafeWater: 'RT tanpa air minum layak',
    hhNoSanitation: 'RT tanpa sanitasi layak',
    distance: 'Jarak ke puskesmas terdekat',
    travelTime: 'Waktu tempuh ke puskesmas terdekat',
    contributions: 'Kontribusi faktor terhadap risiko',
    weight: 'bobot',
    hexagon: 'Heksagon H3',
    resolution: 'resolusi',
    inVillage: 'di',
    village: 'Kelurahan/desa',
    district: 'Kec.',
    // Legend
    legendNoData: 'Tidak ada data',
    legendPerHex: 'per heksagon',
    legendShareHh: 'dari rumah tangga',
    legendCoverage: 'anak diukur / jumlah balita',
    legendScore: 'Skor 0–1: jumlah kontribusi faktor berbobot',
    legendScaleVillages: 'Skala: 0 sampai nilai kelurahan tertinggi',
    legendHeat: 'Zoom perkecil: peta panas; perbesar: heksagon',
    puskesmas: 'Puskesmas',
    pustu: 'Puskesmas pembantu',
    posyandu: 'Posyandu',
    // Side panel
    topVillages: 'Kelurahan prioritas',
    topVillagesHint: 'Diurutkan menurut skor risiko. Klik untuk memperbesar.',
    listUnavailable: 'Daftar kelurahan belum tersedia.',
    loading: 'Memuat…',
    showList: 'Daftar prioritas',
    hideList: 'Sembunyikan daftar',
    rank: 'Peringkat',
    showAll: 'Tampilkan semua',
    showTop: 'Tampilkan 10 teratas',
    loadFailed: 'Peta gagal dimuat',
    mapLabel: 'Peta risiko stunting',
    // Periods (periods.js)
    period: 'Periode',
    compareWith: 'Bandingkan dengan',
    compareNone: '— tidak ada —',
    change: 'Perubahan',
    since: 'sejak',
    pp: 'poin persen',
    followed: 'Anak diukur di kedua periode',
    newlyStunted: 'Baru stunting',
    recovered: 'Pulih (tidak lagi stunting)',
    changeHint: 'Anak dihitung di wilayah tempat ia diukur pada periode ini.',
    changeLegend: 'Warna kelurahan: perubahan prevalensi (biru turun, merah naik, ±2 poin persen).',
    // Cakupan intervensi (interventions.js)
    intervention: 'Cakupan intervensi',
    gap: 'Kesenjangan cakupan',
    programme: 'Program',
    legendIntervention: 'bagian sasaran yang menerima program pada periode ini (gelap: cakupan rendah); sasaran:',
    legendGap: 'skor risiko × bagian sasaran yang belum menerima (gelap: risiko tinggi, cakupan rendah); sasaran:',
    legendNoTarget: 'tidak ada sasaran',
    campaignLink: 'Catat kampanye (pemberian ke satu desa)',
    interventionCity: 'Kota: {reached} dari {target} sasaran ({share})',
    reachedOf: '{reached} dari {target} ({share})',
    need_stunted: 'anak stunting yang diukur',
    need_children: 'semua anak yang diukur',
    need_households: 'keluarga',
    need_no_latrine: 'keluarga tanpa jamban',
    need_no_safe_water: 'keluarga tanpa air minum layak',
    need_no_sanitation: 'keluarga tanpa sanitasi layak',
    need_at_risk: 'keluarga berisiko stunting',
    need_villages: 'kelurahan',
    need_group: 'keluarga dengan',
    // Keluarga berisiko stunting (families.js)
    families_at_risk: 'Keluarga berisiko stunting',
    targetGroup: 'Kelompok sasaran',
    group_all: 'Semua',
    group_catin: 'Catin (calon pengantin)',
    group_bumil: 'Bumil (ibu hamil)',
    group_bufas: 'Bufas (ibu nifas)',
    group_baduta: 'Baduta (anak di bawah 2 tahun)',
    group_balita: 'Balita (anak di bawah 5 tahun)',
    familiesWith_catin: 'Keluarga berisiko stunting dengan catin',
    familiesWith_bumil: 'Keluarga berisiko stunting dengan bumil',
    familiesWith_bufas: 'Keluarga berisiko stunting dengan bufas',
    familiesWith_baduta: 'Keluarga berisiko stunting dengan baduta',
    familiesWith_balita: 'Keluarga berisiko stunting dengan balita',
    legendFamilies: 'keluarga per kelurahan: punya sasaran dan sedikitnya satu faktor risiko '
      + '(tanpa air minum layak, tanpa jamban layak, rumah tidak layak huni, 4T)',
    // Cakupan pengukuran dan dua angka (measurement.js)
    measurement: 'Cakupan pengukuran',
    legendMeasurement: 'balita yang diukur (pengukuran layak) pada periode ini dibagi sasaran balita kelurahan',
    measureBelow: 'garis putus-putus: di bawah {min}, ditandai ({n} kelurahan)',
    measureNoTarget: 'tanpa sasaran (tidak ditampilkan)',
    measureTargetImported: 'Sasaran: berkas sasaran yang diimpor (sigap import measure-targets).',
    measureTargetUnderFive: 'Sasaran: jumlah balita dari raster penduduk.',
    measureTargetPeople: 'Sasaran: penduduk dari raster × {share} (perkiraan bagian balita menurut Sensus Penduduk 2020; raster ini menghitung semua penduduk).',
    twoNumbers: 'Dua angka prevalensi',
    registerPrevalence: 'Prevalensi register',
    surveyUnset: 'SSGI belum diisi ([survey] di sigap.toml)',
    gapPoints: 'selisih',
    points: 'poin',
    weightedEstimate: 'perkiraan tertimbang',
    weightedExplained: 'Perkiraan tertimbang: prevalensi register tiap kelurahan ditimbang dengan sasaran balitanya, bukan dengan jumlah anak yang diukur.',
    measureCity: 'Cakupan pengukuran kota {share} ({measured} dari {target} balita); {below} kelurahan di bawah {min}.',
    targetsUpload: 'Impor sasaran balita per kelurahan',
    targetsUploadHelp: 'Berkas CSV, XLSX atau ODS dari Dinkes dengan kolom kode_desa dan sasaran (periode boleh kosong: semua putaran). Berkas baru mengganti semua sasaran yang ada; bila ada satu baris salah, tidak ada yang disimpan.',
    targetsUploadButton: 'Impor',
    targetsUploading: 'Mengimpor {file}…',
    targetsUploaded: '{rows} sasaran untuk {villages} kelurahan diimpor dari {file}; peta dan angka sudah diperbarui (revisi {revision}).',
    targetsRefused: '{file} tidak diimpor, tidak ada yang disimpan: {error}',
    targetsRow: '{unit} {line}, kolom {field}: {reason}',
    targetsRowsRejected: '{n} baris ditolak',
    unit_line: 'baris',
    unit_row: 'baris tabel',
  },
  en: {
    title: 'sigap · Stunting risk map',
    subtitle: 'Situation analysis for the convergence actions',
    demo: 'Synthetic demo data: not real children',
    indicator: 'Indicator',
    language: 'Language',
    switchTo: 'ID',
    switchToTitle: 'Ganti ke Bahasa Indonesia',
    risk: 'Risk score',
    prevalence: 'Stunting prevalence',
    stunted: 'Stunted children',
    no_latrine: 'No latrine',
    no_safe_water: 'No safe drinking water',
    no_sanitation: 'No improved sanitation',
    puskesmas_min: 'Travel time to puskesmas',
    puskesmas_km: 'Distance to puskesmas',
    // Priorities panel (web/targets.js)
    puskesmas: 'Access to puskesmas',
    priorities: 'Priorities',
    prioritiesHint: 'Villages with the highest risk score, why, and how stable the rank is when each weight moves ±20% (reasons in Bahasa Indonesia).',
    whatIf: 'Factor weights (what-if)',
    resetWeights: 'Reset weights',
    download: 'Download',
    rankRange: 'rank',
    inTopShare: 'of scenarios in the top list',
    alwaysTop: 'always on top',
    targetsUnavailable: 'Priority list unavailable',
    population: 'Children under five (population)',
    coverage: 'Measurement coverage',
    children: 'Children measured',
    stuntedCount: 'Stunted children',
    stuntedShort: 'stunted',
    severe: 'Severely stunted',
    households: 'Households',
    hhNoLatrine: 'Households without latrine',
    hhNoSafeWater: 'Households without safe water',
    hhNoSanitation: 'Households without sanitation',
    distance: 'Distance to nearest puskesmas',
    travelTime: 'Travel time to nearest puskesmas',
    contributions: 'Contribution of each factor to risk',
    weight: 'weight',
    hexagon: 'H3 hexagon',
    resolution: 'resolution',
    inVillage: 'in',
    village: 'Village',
    district: 'District',
    legendNoData: 'No data',
    legendPerHex: 'per hexagon',
    legendShareHh: 'of households',
    legendCoverage: 'children measured / children under five',
    legendScore: 'Score 0–1: weighted sum of factor contributions',
    legendScaleVillages: 'Scale: 0 to the highest village value',
    legendHeat: 'Zoomed out: heatmap; zoomed in: hexagons',
    puskesmas: 'Puskesmas (health centre)',
    pustu: 'Sub-health centre (pustu)',
    posyandu: 'Posyandu (village health post)',
    topVillages: 'Priority villages',
    topVillagesHint: 'Ranked by risk score. Click to zoom in.',
    listUnavailable: 'The village list is not available yet.',
    loading: 'Loading…',
    showList: 'Priority list',
    hideList: 'Hide list',
    rank: 'Rank',
    showAll: 'Show all',
    showTop: 'Show top 10',
    loadFailed: 'The map failed to load',
    mapLabel: 'Stunting risk map',
    period: 'Period',
    compareWith: 'Compare with',
    compareNone: '— none —',
    change: 'Change',
    since: 'since',
    pp: 'percentage points',
    followed: 'Children measured in both periods',
    newlyStunted: 'Newly stunted',
    recovered: 'Recovered (no longer stunted)',
    changeHint: 'Children are counted in the area where they were measured in this period.',
    changeLegend: 'Village colour: prevalence change (blue fell, red rose, ±2 percentage points).',
    // Intervention coverage (interventions.js)
    intervention: 'Intervention coverage',
    gap: 'Coverage gap',
    programme: 'Programme',
    legendIntervention: 'share of the target reached by the programme this period (dark: low coverage); target:',
    legendGap: 'risk score × share of the target not reached (dark: high risk, low coverage); target:',
    legendNoTarget: 'no one to reach',
    campaignLink: 'Enter a campaign (one village)',
    interventionCity: 'City: {reached} of {target} reached ({share})',
    reachedOf: '{reached} of {target} ({share})',
    need_stunted: 'stunted children measured',
    need_children: 'all children measured',
    need_households: 'households',
    need_no_latrine: 'households without a latrine',
    need_no_safe_water: 'households without safe drinking water',
    need_no_sanitation: 'households without improved sanitation',
    need_at_risk: 'families at risk of stunting',
    need_villages: 'villages',
    need_group: 'households with',
    families_at_risk: 'Families at risk of stunting',
    targetGroup: 'Target group',
    group_all: 'All',
    group_catin: 'Catin (bride/groom-to-be)',
    group_bumil: 'Bumil (pregnant woman)',
    group_bufas: 'Bufas (post-partum mother)',
    group_baduta: 'Baduta (child under two)',
    group_balita: 'Balita (child under five)',
    familiesWith_catin: 'Families at risk with a catin',
    familiesWith_bumil: 'Families at risk with a bumil',
    familiesWith_bufas: 'Families at risk with a bufas',
    familiesWith_baduta: 'Families at risk with a baduta',
    familiesWith_balita: 'Families at risk with a balita',
    legendFamilies: 'families per village with a target group and at least one risk factor '
      + '(no safe water, no decent latrine, unfit housing, 4T)',
    // Measurement coverage and the two numbers (measurement.js)
    measurement: 'Measurement coverage',
    legendMeasurement: 'children under five measured (plausibly) this period over the village\'s target',
    measureBelow: 'dashed edge: below {min}, flagged ({n} villages)',
    measureNoTarget: 'no target (not shown)',
    measureTargetImported: 'Target: the imported target file (sigap import measure-targets).',
    measureTargetUnderFive: 'Target: children under five from the population raster.',
    measureTargetPeople: 'Target: people from the raster × {share} (estimated share under five, 2020 census; this raster counts everyone).',
    twoNumbers: 'The two prevalence figures',
    registerPrevalence: 'Register prevalence',
    surveyUnset: 'SSGI not set ([survey] in sigap.toml)',
    gapPoints: 'gap',
    points: 'points',
    weightedEstimate: 'weighted estimate',
    weightedExplained: 'Weighted estimate: each village\'s register prevalence weighted by its target of children under five, not by the children measured.',
    measureCity: 'City measurement coverage {share} ({measured} of {target} under fives); {below} villages below {min}.',
    targetsUpload: 'Import the villages\' targets of children under five',
    targetsUploadHelp: 'A CSV, XLSX or ODS file from Dinkes with the columns kode_desa and sasaran (periode may be empty: every round). A new file replaces every target; if one row is wrong, nothing is saved.',
    targetsUploadButton: 'Import',
    targetsUploading: 'Importing {file}…',
    targetsUploaded: '{rows} targets for {villages} villages imported from {file}; the map and figures are updated (revision {revision}).',
    targetsRefused: '{file} not imported, nothing saved: {error}',
    targetsRow: '{unit} {line}, column {field}: {reason}',
    targetsRowsRejected: '{n} rows refused',
    unit_line: 'line',
    unit_row: 'row',
  },
};

/** Adds a module's own words (`{ id: {...}, en: {...} }`), so each page part keeps its
 * texts beside its code. */
export function addWords(words) {
  for (const code of Object.keys(DICT)) {
    for (const [key, text] of Object.entries(words[code] ?? {})) {
      // A clash would silently relabel another part of the page.
      if (key in DICT[code] && DICT[code][key] !== text) throw new Error(`i18n key ${key} is taken`);
      DICT[code][key] = text;
    }
  }
}

/** Languages in the order the toggle cycles through them. */
export const LANGS = ['id', 'en'];

let current = readStoredLang();

function readStoredLang() {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(stored) ? stored : 'id';
  } catch {
    return 'id'; // storage may be blocked (private mode, sandboxed iframe)
  }
}

/** The active language code, `id` or `en`. */
export function lang() {
  return current;
}

/** Switches language, remembers it and updates `<html lang>`. */
export function setLang(code) {
  current = LANGS.includes(code) ? code : 'id';
  document.documentElement.lang = current;
  try {
    window.localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // not persisted; the switch still applies to this page
  }
}

/** The label for `key` in the active language, falling back to Indonesian, then the key. */
export function t(key) {
  return DICT[current][key] ?? DICT.id[key] ?? key;
}

/** Fills elements carrying `data-i18n` (text), `data-i18n-title` (tooltip) or `data-i18n-aria`. */
/**
 * `t(key)` with each `{name}` replaced by `values[name]` (empty when missing). Not
 * for the route page: it is kept offline with its own copy (a cached page and a newer
 * i18n.js must not disagree on what this module exports).
 */
export function fill(key, values = {}) {
  return t(key).replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `value` as text safe in HTML and in a quoted attribute (null and undefined: empty). */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}

function locale() {
  return current === 'id' ? 'id-ID' : 'en-GB';
}

/** A count: 1.234 in Indonesian, 1,234 in English. */
export function fmtInt(n) {
  return Number.isFinite(n) ? new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(n) : '–';
}

/** A share 0..1 as a percentage with one decimal: 12,3%. */
export function fmtPct(x) {
  return Number.isFinite(x)
    ? new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(x)
    : '–';
}

/** A distance in kilometres with one decimal. */
export function fmtKm(km) {
  return Number.isFinite(km) ? `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(km)} km` : '–';
}

/** A travel time in minutes, whole: 18 menit / 18 min. */
export function fmtMin(min) {
  return Number.isFinite(min)
    ? `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(min)} ${current === 'id' ? 'menit' : 'min'}`
    : '–';
}

/** A measurement with at most `digits` decimals: 64,5 in Indonesian, 64.5 in English
 * (1.234,5 / 1,234.5 with thousands). */
export function fmtNum(x, digits = 1) {
  return Number.isFinite(x) ? new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(x) : '–';
}

/** A score 0..1 with two decimals: 0,42. */
export function fmtScore(x) {
  return Number.isFinite(x)
    ? new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(x)
    : '–';
}

setLang(current);
