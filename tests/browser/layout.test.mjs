// The viewer fits the screens planners and field staff use: no horizontal scrolling at
// 1366x768 (the office laptop) or on a 390x844 phone, and every header control and
// account link inside the window.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

describe('viewer layout', { timeout: 400_000 }, () => {
  for (const [width, height] of [[1366, 768], [390, 844]]) {
    it(`fits ${width}x${height} without horizontal scrolling`, async () => {
      const v = await openViewer({ width, height });
      try {
        const [scroll, inner] = await v.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(scroll <= inner, `page is ${scroll} px wide in a ${inner} px window`);
        const outside = await v.page.evaluate(() => [...document.querySelectorAll('.topbar select, .topbar button, .topbar a')]
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
          .filter(([, r]) => r.left < 0 || r.right > window.innerWidth + 0.5)
          .map(([name, r]) => `${name} ${Math.round(r.left)}..${Math.round(r.right)}`));
        assert.deepEqual(outside, []);
        // The map keeps most of a phone's height.
        const map = await v.page.locator('#map').boundingBox();
        assert.ok(map.height > height * 0.6, `map ${map.height} px of ${height}`);
        // A hexagon's popup (the tallest) at the map's centre fits inside the map.
        await v.page.evaluate(() => new Promise((r) => { window.sigapMap.jumpTo({ zoom: 13.5 }); window.sigapMap.once('idle', r); }));
        await v.page.mouse.click(map.x + map.width / 2, map.y + map.height / 2);
        const popup = v.page.locator('.maplibregl-popup');
        await popup.waitFor();
        await v.page.waitForTimeout(300);
        const p = await popup.boundingBox();
        assert.ok(p.y >= map.y - 1 && p.y + p.height <= map.y + map.height + 1,
          `popup ${Math.round(p.y)}..${Math.round(p.y + p.height)} outside the map ${Math.round(map.y)}..${Math.round(map.y + map.height)}`);
        await v.page.screenshot({ path: `${process.env.SHOTS || '/tmp'}/layout-${width}x${height}.png` });
        assert.deepEqual(v.problems, []);
      } finally {
        await v.close();
      }
    });
  }
});
