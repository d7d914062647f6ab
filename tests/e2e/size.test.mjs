// The widget's wasm against its download budget, on the release build scripts/build-site
// made (dist/site/widget/deflect-widget_bg.wasm): at most 520 KB once brotli-compressed as
// `deflect serve` sends it, and no bundled time-zone database in it (the support zone comes
// from its rules; journey/src/zone.rs). BENCHMARKS.md ("Widget wasm size") says where the
// bytes go and what was cut. No browser needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { SITE } from './harness.mjs';

const WASM = path.join(SITE, 'widget/deflect-widget_bg.wasm');
const BUDGET = 520 * 1024;

test('the widget wasm is at most 520 KB brotli', () => {
  const wasm = readFileSync(WASM);
  const brotli = brotliCompressSync(wasm, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length },
  }).length;
  assert.ok(brotli <= BUDGET, `${WASM}: ${brotli} bytes brotli, over the budget of ${BUDGET}`);
});

test('the widget wasm carries no time-zone database', () => {
  // Every zone in the IANA database is a TZif file, which starts with "TZif" and its
  // version (2, 3 or 4); jiff's error messages only mention "TZif".
  const tzif = readFileSync(WASM).toString('latin1').search(/TZif[234]/);
  assert.equal(tzif, -1, `${WASM} contains a TZif time-zone file at byte ${tzif}`);
});
