// Shared harness of the browser tests: the built site, a real `deflect serve`, headless
// Debian chromium through playwright-core, and helpers that speak the widget's DOM contract:
// #deflect-widget[data-deflect-state], button.deflect-launcher, div.deflect-panel[role=dialog],
// input.deflect-search[role=combobox], ul.deflect-results[role=listbox] > li.deflect-result[role=option]
// (with <mark> highlights), .deflect-status, .deflect-empty/.deflect-contact,
// article.deflect-article/.deflect-back.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The dev-profile CLI that scripts/build-site builds (and `cargo test` already built).
export const DEFLECT = process.env.DEFLECT_BIN || path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target', 'debug/deflect');
export const SITE = path.join(REPO, 'dist/site');
export const ARTIFACTS = path.join(REPO, 'tests/e2e/artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const LOAD_TIMEOUT = 15_000; // widget mount, pack download and index open
export const UI_TIMEOUT = 5_000; // anything after the index is ready
export const TYPE_DELAY = 60; // ms between keystrokes, like a quick typist

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server', // the server is on 127.0.0.1; never route it through a proxy
  // Local Network Access would ask permission (denied when headless) for one localhost port
  // to call another; in production the page and the collector are on public hosts.
  '--disable-features=LocalNetworkAccessChecks',
];

// ---------------------------------------------------------------------------------------------
// The server: `deflect serve dist/site --port 0`, URL read from its first stdout line.

export function startServer(extraArgs = [], site = SITE) {
  // A collector with a database must be told which page origins may post. Host pages here
  // come from the collector itself and from vendor sites on ports chosen at start, so the
  // tests say "any origin" explicitly; the origin guard has its own collector tests.
  const origins = extraArgs.includes('--database') && !extraArgs.includes('--allowed-origins') ? ['--allowed-origins', '*'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(DEFLECT, ['serve', site, '--port', '0', ...origins, ...extraArgs], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deflect serve printed no URL within 10 s; stderr:\n${stderr}`));
    }, 10_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`deflect serve exited early (${code ?? signal}); stderr:\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = line.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0], stderr: () => stderr });
      }
    });
  });
}

export async function stopServer(server) {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  const timeout = new Promise((r) => setTimeout(r, 5_000, 'timeout'));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    server.child.kill('SIGKILL');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

export const sel = {
  root: '#deflect-widget',
  launcher: 'button.deflect-launcher',
  panel: 'div.deflect-panel[role="dialog"]',
  search: 'input.deflect-search[role="combobox"]',
  listbox: 'ul.deflect-results[role="listbox"]',
  option: 'li.deflect-result[role="option"]',
  status: '.deflect-status',
  empty: '.deflect-empty',
  contact: '.deflect-contact',
  article: 'article.deflect-article',
  back: 'button.deflect-back',
};

/** Opens the host page and waits until the widget has mounted. */
export async function openHostPage(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector(`${sel.root}[data-deflect-state]`, { state: 'attached', timeout: LOAD_TIMEOUT });
}

/**
 * Waits until the widget's index is ready. When it is not within LOAD_TIMEOUT, or the widget
 * reports an error, the failure says where the load stood: the host element's state, the
 * status line, and every widget resource the page requested with its timing (a load that
 * stalls shows which request never finished).
 */
export async function waitReady(page) {
  const state = () => page.evaluate(() => document.getElementById('deflect-widget')?.dataset.deflectState ?? 'no host element');
  try {
    await page.waitForFunction(
      () => ['ready', 'error'].includes(document.getElementById('deflect-widget')?.dataset.deflectState),
      null,
      { timeout: LOAD_TIMEOUT, polling: 20 },
    );
  } catch (e) {
    if (e.name !== 'TimeoutError') throw e;
  }
  if ((await state()) === 'ready') return;
  const where = await page.evaluate(() => {
    const root = document.getElementById('deflect-widget')?.shadowRoot;
    const status = root?.querySelector('.deflect-status')?.textContent ?? '';
    const requests = performance
      .getEntriesByType('resource')
      .map((r) => `  ${new URL(r.name).pathname} start ${Math.round(r.startTime)} ms, end ${r.responseEnd ? Math.round(r.responseEnd) + ' ms' : 'never'}, ${r.transferSize} B`);
    return `status "${status}"\n${requests.join('\n')}`;
  });
  assert.fail(`the widget's index is "${await state()}" after ${LOAD_TIMEOUT} ms, not "ready"; ${where}`);
}

/**
 * Clicks the launcher and waits for the search box and for the index to be ready; `label` is
 * the dialog's accessible name in the page's locale.
 */
export async function openPanel(page, { label = 'Help' } = {}) {
  const started = Date.now();
  await page.click(sel.launcher);
  await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  assert.equal(await page.getAttribute(sel.launcher, 'aria-expanded'), 'true');
  assert.equal(await page.getAttribute(sel.panel, 'aria-label'), label);
  await waitReady(page);
  const search = page.locator(sel.search);
  await search.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return { search, readyMs: Date.now() - started };
}

/**
 * Opens the panel, types `query` into the search box as a person would, and waits for a
 * suggestion: the first, or the first whose text has `title`. Returns { search, option }.
 */
export async function searchFor(page, query, { title } = {}) {
  const { search } = await openPanel(page);
  await search.focus();
  await page.keyboard.type(query, { delay: TYPE_DELAY });
  const option = page.locator(sel.option, title === undefined ? {} : { hasText: title }).first();
  await option.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return { search, option };
}

/** [searchFor], then clicks that suggestion and waits for its article; returns its title. */
export async function openArticle(page, query, { title } = {}) {
  const { option } = await searchFor(page, query, { title });
  const shown = (await option.locator('.deflect-result-title').textContent()).trim();
  await option.click();
  await page.locator(sel.article).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return shown;
}

/** The article view's title: its h2 outside the article body (the body has h2s of its own). */
export function articleTitle(page) {
  return page.evaluate(
    ([article, body]) => {
      const h2 = [...(document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelectorAll(`${article} h2`)].find((h) => !h.closest(body));
      return h2 ? h2.textContent.trim() : null;
    },
    [sel.article, '.deflect-article-body'],
  );
}

/** Text of each option's title, in order. */
export function optionTitles(page) {
  return page.locator(`${sel.option} .deflect-result-title`).allTextContents();
}

/** Index of the option with aria-selected="true" (-1 when none), checking there is at most one. */
export async function selectedIndex(page) {
  const flags = await page
    .locator(sel.option)
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-selected') === 'true'));
  assert.ok(flags.filter(Boolean).length <= 1, `more than one option is aria-selected: ${flags}`);
  return flags.indexOf(true);
}

/**
 * A site of its own for one test file: the knowledge base in `kbSource` built with the real
 * `deflect build` into site/kb, the built widget (dist/site/widget) linked in, and `hostPage`
 * as site/index.html; `buildArgs` are added to the build's own (e.g. `--meaning FILE`).
 * Returns { dir, site }; remove `dir` when done.
 */
export function siteWithKnowledgeBase(kbSource, hostPage, buildArgs = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deflect-site-'));
  const site = path.join(dir, 'site');
  mkdirSync(site);
  execFileSync(DEFLECT, ['build', kbSource, '--out', path.join(site, 'kb'), '--quiet', ...buildArgs], { stdio: 'pipe' });
  symlinkSync(path.join(SITE, 'widget'), path.join(site, 'widget'));
  writeFileSync(path.join(site, 'index.html'), hostPage);
  return { dir, site };
}

/** The content-addressed name the indexer gives `bytes`: the first 16 hex digits of their SHA-256. */
export function contentName(bytes) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * Makes `page` load `bytes` as its index pack the way a publisher would have to: under their
 * own content-addressed name (`kb.<sha256>.pack`), which the served manifest is rewritten to
 * name. Used to hand the widget packs that pass its content-address check but are broken
 * further in (a newer version, a bad checksum, hostile segment files).
 */
export async function servePackUnderItsName(page, bytes) {
  const name = `kb.${contentName(bytes)}.pack`;
  await page.route('**/kb/manifest.json', async (route) => {
    const manifest = await (await route.fetch()).json();
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...manifest, pack: name, pack_bytes: bytes.length }) });
  });
  await page.route(`**/kb/${name}`, (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: bytes }));
}

/**
 * Checks the build is there, starts the server and a fresh headless chromium. `serverArgs`
 * replaces the server's arguments: an array, or a function of a fresh database path.
 */
export async function startEnvironment({ serverArgs, site } = {}) {
  for (const [what, p] of [
    ['the deflect binary', DEFLECT],
    ['the built site', path.join(SITE, 'index.html')],
    ['the widget bundle', path.join(SITE, 'widget/deflect-widget_bg.wasm')],
    ['the index pack manifest', path.join(SITE, 'kb/manifest.json')],
    ['chromium', CHROMIUM],
  ]) {
    assert.ok(existsSync(p), `${what} is missing (${p}); run scripts/setup and scripts/build-site`);
  }
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'deflect-e2e-chromium-'));
  // By default the demo page's collector (the same server) stores into a fresh database.
  const database = path.join(userDataDir, 'collector.db');
  const args = typeof serverArgs === 'function' ? serverArgs(database) : serverArgs;
  const server = await startServer(args ?? ['--database', database, '--rate-limit-per-second', '0'], site);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 30_000,
  });
  return { server, context, userDataDir, database };
}

export async function stopEnvironment({ server, context, userDataDir }) {
  await context?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await stopServer(server);
}

/**
 * The hooks every browser suite shares, registered in the calling `describe`:
 * - before all: `site()` (a site of its own, `{ dir, site }`, removed after), the server
 *   and chromium (startEnvironment with `serverArgs`), then `setUp()`;
 * - before each: a fresh page whose uncaught errors are collected, then `onPage(page)`
 *   (listeners, init scripts, navigation);
 * - after each: `afterPage(page)`, the page's storage cleared (each test starts with no
 *   drafts, queues or requests from the last), the page closed, and no uncaught error on it
 *   unless `checkPageErrors` is false (suites that feed the page hostile input);
 * - after all: the browser closed, then `tearDown()`, then everything else started here
 *   stopped. The browser goes first because it holds keep-alive and preconnected sockets
 *   to the suite's servers, and a Node server's close() waits for a socket that never sent
 *   a request until its 60 s headers timeout (a minute per suite, measured).
 * `bind(state)` is called whenever `state` ({ env, built, page, pageErrors }) changes, so
 * the suite's tests can keep plain variables: `bind: (s) => ({ env, page } = s)`.
 */
export function browserSuite({ site, serverArgs, setUp, tearDown, onPage, afterPage, checkPageErrors = true, bind = () => {} } = {}) {
  const state = { env: undefined, built: undefined, page: undefined, pageErrors: [] };
  before(async () => {
    state.built = site?.();
    state.env = await startEnvironment({ site: state.built?.site, serverArgs });
    bind(state);
    await setUp?.();
  });
  after(async () => {
    await state.env?.context.close().catch(() => {});
    await tearDown?.();
    await stopEnvironment(state.env ?? {});
    if (state.built) rmSync(state.built.dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    state.page = await state.env.context.newPage();
    state.pageErrors = [];
    state.page.on('pageerror', (e) => state.pageErrors.push(e));
    bind(state);
    await onPage?.(state.page);
  });
  afterEach(async () => {
    const { page } = state;
    await afterPage?.(page);
    await page?.evaluate(() => (localStorage.clear(), sessionStorage.clear())).catch(() => {});
    await page?.close().catch(() => {});
    if (checkPageErrors) {
      assert.deepEqual(state.pageErrors.map((e) => String(e.stack || e)), [], 'uncaught errors on the page');
    }
  });
  return state;
}

/**
 * Memory the page holds now, after a garbage collection: the JS heap, and the bytes of every
 * `WebAssembly.Memory` on the page (they only grow, so a leak shows as growth).
 */
export async function pageMemory(context, page) {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const { result: proto } = await cdp.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.objectId });
    const { result } = await cdp.send('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: 'function () { return this.reduce((a, m) => a + m.buffer.byteLength, 0); }',
      returnByValue: true,
    });
    return { jsHeap: heap.usedSize, wasm: result.value };
  } finally {
    await cdp.detach();
  }
}

// ---------------------------------------------------------------------------------------------
// Accessibility: axe-core (every WCAG 2.1 A/AA and best-practice rule).

const AXE_SOURCE = readFileSync(path.join(REPO, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * Asserts axe-core finds no violation on the page, or inside the widget when `widget` is
 * true (then the page-structure rule `region` is off: the widget is not the page's landmark
 * structure). axe is evaluated through the DevTools protocol rather than a script tag, so
 * a page with a strict CSP (the report dashboard's `default-src 'none'`) is checked as it
 * is served.
 */
export async function assertNoAxeViolations(page, state, { widget = false } = {}) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (widget) => {
    const r = await window.axe.run(widget ? document.getElementById('deflect-widget') : document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      rules: widget ? { region: { enabled: false } } : {},
    });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }, widget);
  assert.deepEqual(violations, [], `axe-core violations in state "${state}"`);
}
