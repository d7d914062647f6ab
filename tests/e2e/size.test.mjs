// What the widget's wasm must not carry, on the release build scripts/build-site made
// (dist/site/widget/deflect-widget_bg.wasm): a bundled time-zone database (the support zone
// comes from its rules; journey/src/zone.rs). Its size is a goal, so it lives in the
// benchmarks, not here: BENCHMARKS.md ("Widget wasm size") says where the bytes go and
// what was cut. No browser needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SITE } from './harness.mjs';

const WASM = path.join(SITE, 'widget/deflect-widget_bg.wasm');

test('the widget wasm carries no time-zone database', () => {
  // Every zone in the IANA database is a TZif file, which starts with "TZif" and its
  // version (2, 3 or 4); jiff's error messages only mention "TZif".
  const tzif = readFileSync(WASM).toString('latin1').search(/TZif[234]/);
  assert.equal(tzif, -1, `${WASM} contains a TZif time-zone file at byte ${tzif}`);
});
