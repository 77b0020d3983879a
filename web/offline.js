// The route page offline: the service worker (sw.js) registered for /web/, the queue
// of visit records in IndexedDB, and "Siapkan offline": the basemap's tiles and glyphs
// of the day's area put in the worker's cache, so that the page, the plan with its
// roster and the map open with no network, even after a reload or a restart.

export const DATA = 'sigap-field-data';
/** What "Siapkan offline" stored and when: `{day, tiles, bytes, failed, at}`. */
export const READY = 'sigap-offline-ready';
/** Visit records the server sent back as implausible, held for the officer. */
export const REVIEW = 'sigap-visit-review';
const DB = 'sigap';
const QUEUE = 'queue';

/** Registers the service worker; resolves to whether the page can work offline. */
export async function registerWorker() {
  if (!('serviceWorker' in navigator)) return false;
  try {
    await navigator.serviceWorker.register(new URL('sw.js', import.meta.url), { scope: new URL('./', import.meta.url).pathname });
    return true;
  } catch {
    return false;
  }
}

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(QUEUE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(QUEUE, mode);
      const out = work(t.objectStore(QUEUE));
      t.oncomplete = () => resolve(out?.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

/** The queued visit records, oldest first (`queued_at`). */
export async function queued() {
  const all = await tx('readonly', (s) => s.getAll());
  return (all ?? []).sort((a, b) => a.queued_at - b.queued_at);
}

/** Adds a record to the queue (written before anything is sent). */
export function enqueue(record) {
  return tx('readwrite', (s) => s.put({ ...record, queued_at: Date.now() }));
}

/** Removes a record once the server has it (or refused it for good). */
export function dequeue(id) {
  return tx('readwrite', (s) => s.delete(id));
}

/** Moves records an older page left in localStorage into the queue. */
export async function adoptOldQueue(key) {
  let old = [];
  try {
    old = JSON.parse(localStorage.getItem(key) || '[]');
  } catch { /* unreadable: nothing to adopt */ }
  for (const r of old) await enqueue(r);
  localStorage.removeItem(key);
}

/** Deletes the officer's stored data (plan, roster, tiles), the queue and the held
 * implausible records (they carry children's pseudonyms and measurements). */
export async function clearOffline() {
  if ('caches' in self) await caches.delete(DATA);
  await tx('readwrite', (s) => s.clear());
  localStorage.removeItem(READY);
  localStorage.removeItem(REVIEW);
}

/** Web Mercator tile of a point at zoom `z`. */
function tileOf([lon, lat], z) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * n);
  return [Math.min(n - 1, Math.max(0, x)), Math.min(n - 1, Math.max(0, y))];
}

/** Every tile and glyph URL the route map needs over `bbox` ([w, s, e, n]). */
export function offlineUrls(style, bbox, { minZoom = 11, maxZoom = 16 } = {}) {
  const urls = new Set();
  for (const source of Object.values(style?.sources ?? {})) {
    for (const template of source.tiles ?? []) {
      const lo = Math.max(minZoom, source.minzoom ?? 0);
      const hi = Math.min(maxZoom, source.maxzoom ?? 22);
      for (let z = lo; z <= hi; z += 1) {
        const [x0, y0] = tileOf([bbox[0], bbox[3]], z);
        const [x1, y1] = tileOf([bbox[2], bbox[1]], z);
        for (let x = x0; x <= x1; x += 1) {
          for (let y = y0; y <= y1; y += 1) urls.add(template.replace('{z}', z).replace('{x}', x).replace('{y}', y));
        }
      }
    }
  }
  if (style?.glyphs) {
    const stacks = new Set(style.layers.map((l) => l.layout?.['text-font']).filter(Array.isArray).map((f) => f.join(',')));
    for (const stack of stacks) {
      for (const range of ['0-255', '256-511']) {
        // As MapLibre asks: the stack as it is, the URL parser encoding its spaces.
        urls.add(new URL(style.glyphs.replace('{fontstack}', stack).replace('{range}', range)).href);
      }
    }
  }
  return [...urls];
}

/**
 * Fetches `urls` into the worker's data cache, a few at a time; `progress(done, total,
 * bytes)` after each. Returns `{ tiles, bytes, failed }`.
 */
export async function storeAll(urls, progress) {
  const cache = await caches.open(DATA);
  let done = 0;
  let bytes = 0;
  let failed = 0;
  const next = [...urls];
  const worker = async () => {
    for (let u = next.shift(); u; u = next.shift()) {
      try {
        const r = await fetch(u);
        if (r.ok || r.status === 204) {
          const body = await r.clone().arrayBuffer();
          bytes += body.byteLength;
          await cache.put(u, r);
        } else {
          failed += 1;
        }
      } catch {
        failed += 1;
      }
      done += 1;
      progress(done, urls.length, bytes);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { tiles: urls.length, bytes, failed };
}

/** [w, s, e, n] of every coordinate of a plan (stops, road line, start, end), padded. */
export function planBounds(body, pad = 0.01) {
  const pts = [];
  for (const f of body.features) {
    if (f.geometry.type === 'Point') pts.push(f.geometry.coordinates);
    else pts.push(...f.geometry.coordinates);
  }
  if (body.start) pts.push(body.start);
  if (body.end) pts.push(body.end);
  if (!pts.length) return null;
  const b = pts.reduce((a, [x, y]) => [Math.min(a[0], x), Math.min(a[1], y), Math.max(a[2], x), Math.max(a[3], y)], [180, 90, -180, -90]);
  return [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
}
