#!/usr/bin/env node
// Where a cold open's time goes: cold opens of Deflect and Pagefind with each request's
// timeline (start → first byte → end, ms after the open; bytes as transferred) and the
// page's marks. Reuses the packs of an earlier run.mjs (its work dir, kept in the OS temp
// dir as deflect-perf-*); not a benchmark (no tables, nothing written).
//   node bench/perf/waterfall.mjs WORKDIR gnome|fqa|gen20k [emulated|localhost] [SITE]
//   env: ENGINES=deflect,pagefind  RUNS=2  (the first run of each also pays for compression)
import path from 'node:path';
import { launchBrowser, openPage } from './browser.mjs';
import { startBenchServer } from './server.mjs';
import { deflectPage, pagefindPage } from './pages.mjs';

const [work, key, network = 'emulated', site = 'dist/site'] = process.argv.slice(2);
const cold = { gnome: 'wifi', fqa: 'passport', gen20k: 'passport' }[key];
const mounts = { '/widget/': path.join(site, 'widget') };
mounts[`/c/${key}/deflect/`] = path.join(work, key, 'deflect');
mounts[`/c/${key}/pagefind/`] = path.join(work, key, `pagefind-${key}`, "pagefind");
const pages = {
  '/deflect': (q) => deflectPage({ manifest: `/c/${q.get('c')}/deflect/manifest.json` }),
  '/pagefind': (q) => pagefindPage({ bundle: `/c/${q.get('c')}/pagefind` }),
};
const server = await startBenchServer({ mounts, pages });
server.warm?.();
const browser = await launchBrowser();
for (const engine of (process.env.ENGINES ?? 'deflect,pagefind').split(',')) {
  for (let run = 0; run < Number(process.env.RUNS ?? 2); run++) {
    const { context, page } = await openPage(browser, network, { viewport: { width: 1280, height: 800 } });
    server.reset();
    await page.goto(`${server.url}/${engine}?c=${key}`, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    await page.evaluate((q) => window.__coldOpen(q), cold);
    await page.waitForFunction(() => window.__bench.painted.length > 0, null, { timeout: 60000, polling: 'raf' });
    const t = await page.evaluate(() => ({ origin: performance.timeOrigin, start: window.__bench.coldStart, painted: window.__bench.painted[0].painted,
      res: performance.getEntriesByType('resource').map((e) => ({ n: e.name.replace(location.origin, ''), s: e.startTime, rs: e.responseStart, e: e.responseEnd, b: e.transferSize })),
      marks: performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]) }));
    console.log(`\n${engine} ${network} run ${run}: painted ${(t.painted - t.start).toFixed(0)} ms after open`);
    for (const r of t.res) if (r.e >= t.start - 1 || r.s >= t.start - 1) console.log(`  ${(r.s - t.start).toFixed(0).padStart(6)} → ${(r.rs - t.start).toFixed(0).padStart(6)} → ${(r.e - t.start).toFixed(0).padStart(6)}  ${String(r.b).padStart(7)}  ${r.n}`);
    for (const [n, s] of t.marks) console.log(`  mark ${(s - t.start).toFixed(0).padStart(6)} ${n}`);
    const before = t.res.filter((r) => r.s <= t.painted);
    const index = before.filter((r) => /\.(pack|piece)$/.test(r.n));
    console.log(`  index before the paint: ${index.length} requests, ${(index.reduce((a, r) => a + r.b, 0) / 1000).toFixed(1)} KB`);
    console.log(`  before the paint: ${before.length} requests, ${(before.reduce((a, r) => a + r.b, 0) / 1000).toFixed(1)} KB transferred (the page's own load included)`);
    await context.close();
  }
}
await browser.close();
server.close();
