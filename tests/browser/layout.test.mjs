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
        await v.page.screenshot({ path: `${process.env.SHOTS || '/tmp'}/layout-${width}x${height}.png` });
        assert.deepEqual(v.problems, []);
      } finally {
        await v.close();
      }
    });
  }
});
