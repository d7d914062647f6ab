// The browser every bench/perf measurement uses: headless Debian chromium with the same
// arguments, and the networks a page can be opened on (localhost, or the emulated mobile
// network of issue 14: 40 ms round trip, 10 Mbit/s down, 5 up, applied through the DevTools
// protocol, which also throttles the fetches of workers). run.mjs and waterfall.mjs share
// it so the waterfall explains the same cold open the benchmark measures.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server', '--enable-precise-memory-info'];

/** The networks a run can use; `null` is no throttling. Throughput in bytes per second. */
export const NETWORKS = {
  localhost: null,
  emulated: { offline: false, latency: 40, downloadThroughput: (10 * 1e6) / 8, uploadThroughput: (5 * 1e6) / 8 },
};

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** A fresh browser context (empty cache) and page on `network`. */
export async function openPage(browser, network, options = {}) {
  if (!(network in NETWORKS)) throw new Error(`unknown network "${network}" (known: ${Object.keys(NETWORKS).join(', ')})`);
  const context = await browser.newContext(options);
  const page = await context.newPage();
  if (NETWORKS[network]) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', NETWORKS[network]);
  }
  return { context, page };
}
