// The field team's page offline (scope /web/): the service worker keeps
//   - the app (the route page, its scripts and styles, MapLibre) in SHELL, served from
//     the cache at once and refreshed from the network behind it;
//   - the officer's data (who they are, the day's plan with its roster, the basemap's
//     style, tiles and glyphs) in DATA: the plan and the account from the network when
//     there is one, else from the cache; tiles and glyphs from the cache first.
// "Siapkan offline" on the page fills DATA with the tiles of the team's area; logging
// out deletes DATA (and the page's IndexedDB roster). Visits are not sent from here:
// the page queues them in IndexedDB and sends each once (see route.js).

const SHELL = 'sigap-shell-v1';
const DATA = 'sigap-field-data';
/** The page's own small files, kept when the worker is installed. */
const PAGE_FILES = [
  'route.html', 'route.js', 'route.css', 'style.css', 'i18n.js', 'account.js', 'basemap.js', 'offline.js',
  'manifest.webmanifest', 'icon-192.png', 'icon-512.png',
].map((f) => new URL(f, self.registration.scope).href);
/** MapLibre: kept when the page loads it through the worker or "Siapkan offline"
 * asks for it, not at install, so a first visit on a slow line downloads it once.
 * Its own worker script (outside this scope) reaches this worker only as the import of
 * a blob worker the page makes (route.js, mapWorkerUrl): a worker started from
 * /vendor/ directly would be matched by its own URL, never come here, and not load
 * with no network. */
const LIBRARY_FILES = [
  '../vendor/maplibre-gl/maplibre-gl.mjs', '../vendor/maplibre-gl/maplibre-gl-worker.mjs',
  '../vendor/maplibre-gl/maplibre-gl-shared.mjs', '../vendor/maplibre-gl/maplibre-gl.css',
].map((f) => new URL(f, self.registration.scope).href);
const SHELL_FILES = [...PAGE_FILES, ...LIBRARY_FILES];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(PAGE_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('sigap-shell-') && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

/** The cached answer, refreshed from the network behind it; the network when none. */
async function cacheFirst(request, name) {
  const cache = await caches.open(name);
  // Vary: Accept-Encoding must not stop a worker script's request from matching.
  const hit = await cache.match(request, { ignoreSearch: name === SHELL, ignoreVary: true });
  const fresh = fetch(request).then((r) => {
    if (r.ok) cache.put(request, r.clone());
    return r;
  });
  if (hit) {
    fresh.catch(() => {});
    return hit;
  }
  return fresh;
}

/** The network's answer (kept), else the last one kept. */
async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const r = await fetch(request);
    if (r.ok) await cache.put(request, r.clone());
    return r;
  } catch (e) {
    // Offline: the same request, else the same path (a plan asked with other options).
    const hit = (await cache.match(request, { ignoreVary: true }))
      ?? (await cache.match(request, { ignoreSearch: true, ignoreVary: true }));
    if (hit) {
      // Marked, so the page can say it shows what was kept.
      const headers = new Headers(hit.headers);
      headers.set('X-Sigap-From-Cache', '1');
      return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
    }
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const root = new URL('../', self.registration.scope).pathname;
  const path = url.pathname.slice(root.length - 1); // "/api/route", "/web/route.js", ...
  if (SHELL_FILES.includes(url.origin + url.pathname)) {
    event.respondWith(cacheFirst(request, SHELL));
  } else if (['/api/me', '/api/route', '/api/plans', '/basemap/style.json'].includes(path)
    && url.searchParams.get('format') !== 'gpx') {
    event.respondWith(networkFirst(request));
  } else if (path.startsWith('/basemap/') || path.startsWith('/fonts/')) {
    event.respondWith(cacheFirst(request, DATA));
  }
});
