// `[basemap] url` naming a PMTiles archive, in headless Chromium at 1440x900 with the
// real `sigap serve`: the archives are served by Debian's nginx (HTTP Range) on another
// origin, as a city's web server or CDN would.
// - vector: the `basemap.pmtiles` that `sigap publish` writes (sigap's own schema):
//   the viewer draws the bay as water and a main road as a road from the archive,
//   reads it in Range requests, and asks sigap for no /basemap tile;
// - raster: a PNG archive made here with PyPI `pmtiles` (protomaps' writer, not
//   sigap's): the viewer draws its pixels where no risk layer covers them;
// - a url that is neither a template nor an archive: `sigap serve` refuses to start
//   and names the setting.
// Leaves tests/browser/out/pmtiles-vector.png, pmtiles-raster.png and
// pmtiles-raster-city.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mapPixels, openViewer, primaryRoadPoint, ROOT } from './harness.mjs';

const BIN = path.resolve(ROOT, process.env.SIGAP_BIN || 'target/debug/sigap');
const NGINX = process.env.NGINX || '/usr/sbin/nginx';
const PYTHON = process.env.PYTHON || path.join(ROOT, '.venv/bin/python');
const OUT = path.join(ROOT, 'tests/browser/out');

/** Teluk Kendari in the demo city (inside its shore), and colours of the style. */
const BAY = [122.562, -3.9745];
const WATER = [0x9e, 0xca, 0xe8];
const PRIMARY = [0xff, 0xd9, 0x66];
const BACKGROUND = [0xf2, 0xef, 0xe9];
/** The raster archive's one colour (no style colour is near it). */
const RASTER = [0x7a, 0x2e, 0x8c];

const distance = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

// A raster archive: one 256 px PNG of RASTER for every tile z0-14 over the demo city
// (and around it), written with PyPI pmtiles' Writer. The PNG is made with zlib.
const RASTER_SCRIPT = `
import struct, sys, zlib, math
from pmtiles.tile import zxy_to_tileid, TileType, Compression
from pmtiles.writer import Writer
r, g, b = (int(v) for v in sys.argv[2:5])
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
row = b"\\x00" + bytes([r, g, b]) * 256
png = (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(row * 256, 9)) + chunk(b"IEND", b""))
west, south, east, north = 122.30, -4.20, 122.80, -3.80
def tile(lon, lat, z):
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)
ids = []
for z in range(0, 15):
    x0, y0 = tile(west, north, z)
    x1, y1 = tile(east, south, z)
    ids += [zxy_to_tileid(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
with open(sys.argv[1], "wb") as f:
    w = Writer(f)
    for i in sorted(ids):
        w.write_tile(i, png)
    w.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
                "min_zoom": 0, "max_zoom": 14,
                "min_lon_e7": int(west * 1e7), "min_lat_e7": int(south * 1e7),
                "max_lon_e7": int(east * 1e7), "max_lat_e7": int(north * 1e7),
                "center_zoom": 12, "center_lon_e7": int(122.55e7), "center_lat_e7": int(-3.99e7)},
               {"name": "test raster", "attribution": "test raster attribution"})
print(len(ids))
`;

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Debian's nginx serving `root` as files on a free port, with CORS for the viewer on
 * another origin (Range, and the headers the pmtiles reader looks at). Resolves with
 * `{ url, stop }` once it listens.
 */
async function startNginx(root, dir) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`).join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), `${user}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 128; }
http {
  include /etc/nginx/mime.types;
  types { application/octet-stream pmtiles; }
  access_log ${dir}/access.log;
${temp}
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      add_header Access-Control-Allow-Origin * always;
      add_header Access-Control-Allow-Headers "Range, If-Match" always;
      add_header Access-Control-Expose-Headers "ETag, Content-Range, Content-Length" always;
      if ($request_method = OPTIONS) { return 204; }
    }
  }
}
`);
  const child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see ${dir}/error.log`);
    const up = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('nginx did not listen');
    await new Promise((r) => { setTimeout(r, 100); });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => { if (child.exitCode === null) process.kill(child.pid, 'SIGTERM'); },
  };
}

/** Moves the map and waits until it has drawn everything. */
async function view(page, center, zoom) {
  await page.evaluate(([c, z]) => new Promise((resolve) => {
    const map = window.sigapMap;
    map.jumpTo({ center: c, zoom: z });
    map.once('idle', resolve);
    map.triggerRepaint();
  }), [center, zoom]);
}

/** A screenshot saved under tests/browser/out/, and the map pixels around `lonlats`. */
const shoot = (page, file, lonlats) => mapPixels(page, path.join(OUT, file), lonlats);

/** sigap's own basemap tiles among `requests` (`/basemap/{z}/{x}/{y}.mvt`). */
const ownTiles = (v) => v.requests.filter((r) => r.url.startsWith(`${v.baseUrl}/basemap/`) && r.url.endsWith('.mvt'));

describe('a PMTiles archive as the basemap', { timeout: 900_000 }, () => {
  let dir;
  let nginx;
  const config = (name, url) => {
    const file = path.join(dir, `${name}.toml`);
    writeFileSync(file, `[basemap]\nurl = "${url}"\n`);
    return ['--config', file];
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sigap-pmtiles-basemap-'));
    const site = path.join(dir, 'site');
    const published = spawnSync(BIN, ['publish', '--out', path.join(site, 'peta')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(published.status, 0, `sigap publish: ${published.stderr.slice(-2000)}`);
    const raster = spawnSync(PYTHON, ['-c', RASTER_SCRIPT, path.join(site, 'raster.pmtiles'), ...RASTER.map(String)], { encoding: 'utf8' });
    assert.equal(raster.status, 0, `raster archive: ${raster.stderr}`);
    nginx = await startNginx(site, path.join(dir, 'nginx'));
  });

  after(() => {
    nginx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a url that is neither an XYZ template nor an archive, naming the setting', () => {
    const bad = 'https://tiles.example.org/kota.mbtiles';
    const p = spawnSync(BIN, ['serve', '--addr', '127.0.0.1:0', ...config('bad', bad)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(p.status, 0, 'sigap serve started with a bad [basemap] url');
    const said = p.stdout + p.stderr;
    assert.ok(said.includes('[basemap] url') && said.includes(bad) && said.includes('.pmtiles'), said.slice(-1500));
  });

  it("draws sigap publish's vector archive from another origin with Range requests", async (t) => {
    const archive = `${nginx.url}/peta/basemap.pmtiles`;
    const v = await openViewer({ width: 1440, height: 900, serverArgs: config('vector', archive) });
    try {
      const csp = (await fetch(`${v.baseUrl}/`)).headers.get('content-security-policy');
      assert.ok(csp.includes(`connect-src 'self' ${nginx.url};`), csp);
      assert.ok(!csp.includes(`img-src 'self' data: blob: ${nginx.url}`), csp);
      const style = await v.page.evaluate(() => window.sigapMap.getStyle());
      assert.equal(style.sources.basemap.url, `pmtiles://${archive}`);
      await view(v.page, [122.545, -3.975], 13);
      const road = await primaryRoadPoint(v.page);
      assert.ok(road, 'a primary road rendered in the view');
      const [bays, streets] = await shoot(v.page, 'pmtiles-vector.png', [BAY, road]);
      const bay = bays[12];
      const street = streets.reduce((a, b) => (distance(b, PRIMARY) < distance(a, PRIMARY) ? b : a));
      assert.ok(distance(bay, WATER) < 40, `bay pixel ${bay} is not water blue ${WATER}`);
      assert.ok(distance(street, PRIMARY) < 40, `road pixel ${street} is not the primary road colour`);
      const reads = v.requests.filter((r) => r.url === archive);
      assert.ok(reads.length >= 3, `archive reads: ${reads.length}`);
      assert.ok(reads.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? '') && r.status === 206),
        JSON.stringify(reads.slice(0, 5)));
      assert.deepEqual(ownTiles(v).map((r) => r.url), [], "sigap's own basemap tiles were requested");
      t.diagnostic(`vector archive: ${reads.length} Range reads, ${reads.reduce((a, r) => a + r.bytes, 0)} bytes`);
      // The archive's own attribution (its metadata), as for any external basemap.
      const attribution = await v.page.locator('.maplibregl-ctrl-attrib').textContent();
      assert.ok(attribution.includes('peta dasar demo sintetis'), attribution);
      assert.deepEqual(v.problems, []);
      // The public embed (its own Content-Security-Policy) draws from the archive too.
      const seen = v.requests.length;
      await v.page.goto(`${v.baseUrl}/embed`);
      await v.page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
      const later = { ...v, requests: v.requests.slice(seen) };
      assert.ok(later.requests.some((r) => r.url === archive && r.status === 206), 'the embed read no archive');
      assert.deepEqual(ownTiles(later).map((r) => r.url), [], "the embed asked for sigap's own basemap tiles");
      const water = await v.page.evaluate(() => window.sigapEmbedMap.queryRenderedFeatures({ layers: ['basemap-water'] }).length);
      assert.ok(water > 0, 'the embed drew no water from the archive');
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  it('draws a raster archive under the risk layers, with the village names over it', async (t) => {
    const archive = `${nginx.url}/raster.pmtiles`;
    const v = await openViewer({ width: 1440, height: 900, serverArgs: config('raster', `pmtiles://${archive}`) });
    try {
      const style = await v.page.evaluate(() => window.sigapMap.getStyle());
      assert.equal(style.sources['basemap-raster']?.type, 'raster', 'no raster source for a raster archive');
      assert.equal(style.sources['basemap-raster']?.url, `pmtiles://${archive}`);
      assert.ok(!style.layers.some((l) => l.id === 'basemap-water'), 'vector fills over a raster archive');
      // Beyond the city's edge no risk layer covers the basemap: the raster shows.
      const outside = [122.75, -3.99];
      await view(v.page, outside, 13);
      const [pixels] = await shoot(v.page, 'pmtiles-raster.png', [outside]);
      assert.ok(distance(pixels[12], RASTER) < 12, `pixel ${pixels[12]} is not the raster's ${RASTER}`);
      assert.ok(distance(pixels[12], BACKGROUND) > 40, `pixel ${pixels[12]} is the background`);
      // The risk layers over it in the city, and the village names from sigap's tiles.
      await view(v.page, [122.56, -3.98], 12);
      await shoot(v.page, 'pmtiles-raster-city.png', []);
      const names = await v.page.evaluate(() => window.sigapMap.queryRenderedFeatures({ layers: ['basemap-label-village'] }).length);
      assert.ok(names > 5, `village names drawn over the raster: ${names}`);
      const reads = v.requests.filter((r) => r.url === archive);
      assert.ok(reads.length >= 3 && reads.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? '')), JSON.stringify(reads.slice(0, 5)));
      t.diagnostic(`raster archive: ${reads.length} Range reads, ${reads.reduce((a, r) => a + r.bytes, 0)} bytes`);
      const attribution = await v.page.locator('.maplibregl-ctrl-attrib').textContent();
      assert.ok(attribution.includes('test raster attribution'), attribution);
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });
});
