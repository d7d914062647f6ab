// Browser tests of embedding: a host page on another localhost port includes the loader
// from `deflect serve` with one script tag. Nothing heavy loads before interaction; the
// widget is isolated from hostile page CSS; the JS API works and replays its queue; the
// whole journey works from the keyboard; axe-core finds no violations in any state; a
// strict nonce-based CSP works; and with WebAssembly blocked, customers still reach support.
// Screenshots of each state (light, dark, phone) go to tests/e2e/artifacts/.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, LOAD_TIMEOUT, REPO, TYPE_DELAY, UI_TIMEOUT, sel, assertNoAxeViolations, browserSuite, waitReady } from './harness.mjs';

const NONCE = 'r4nd0mN0nce';

// ---------------------------------------------------------------------------------------------
// The vendor's site: another origin, serving host pages with the headers a test asks for.

function startHostSite() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const page = pages.get(new URL(req.url, 'http://x').pathname);
    if (!page) return res.writeHead(404).end('no such page');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...page.headers }).end(page.body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({
        origin,
        /** Serves `body` at `pathname` and returns its URL. */
        page(pathname, body, headers = {}) {
          pages.set(pathname, { body, headers });
          return origin + pathname;
        },
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

/** A vendor page embedding the widget from `widgetOrigin` with the queue snippet and loader. */
function vendorPage(widgetOrigin, { head = '', beforeLoader = '', loaderAttrs = '', nonce = '' } = {}) {
  const n = nonce ? ` nonce="${nonce}"` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Vendor app</title>${head}</head>
<body><main><h1>Vendor app</h1><p>Some product page.</p><button class="deflect-launcher" id="own">The page's own button</button></main>
<script${n}>window.Deflect=window.Deflect||function(){(Deflect.q=Deflect.q||[]).push(arguments)};${beforeLoader}</script>
<script${n} async src="${widgetOrigin}/widget/deflect.js" data-index="${widgetOrigin}/kb/manifest.json"
  data-contact="mailto:help@vendor.example" ${loaderAttrs}></script>
</body></html>`;
}

const shadow = (page, fn, arg) =>
  page.evaluate(
    ([src, a]) => {
      const root = document.getElementById('deflect-widget')?.shadowRoot;
      return new Function('root', 'arg', `return (${src})(root, arg)`)(root, a);
    },
    [fn.toString(), arg],
  );

async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `embed-${name}.png`) });
}

// ---------------------------------------------------------------------------------------------

describe('embedding with one script tag', () => {
  let env;
  let site;
  let page;
  let consoleErrors;
  browserSuite({
    setUp: async () => {
      site = await startHostSite();
    },
    tearDown: () => site?.close(),
    bind: (s) => ({ env, page } = s),
    onPage: (page) => {
      consoleErrors = [];
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    },
  });

  const widgetOrigin = () => env.server.url.replace(/\/$/, '');

  test('a cross-origin page loads only the loader before interaction, then searches', async () => {
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = site.page('/plain', vendorPage(widgetOrigin()));
    await page.goto(url, { waitUntil: 'load' });
    await page.locator(`#deflect-widget ${sel.launcher}`).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.waitForTimeout(500);
    const widget = requests.filter((u) => u.startsWith(widgetOrigin()));
    assert.deepEqual(
      widget.map((u) => new URL(u).pathname).sort(),
      ['/widget/deflect.js'],
      'before interaction only the loader loads',
    );
    // The stand-in launcher is styled from the loader itself.
    const launcherStyle = await page.evaluate(() => {
      const b = document.getElementById('deflect-widget').shadowRoot.querySelector('button.deflect-launcher');
      const cs = getComputedStyle(b);
      return { position: cs.position, background: cs.backgroundColor, radius: cs.borderTopLeftRadius };
    });
    assert.deepEqual(launcherStyle, { position: 'fixed', background: 'rgb(31, 95, 191)', radius: '999px' });
    assert.equal(await page.getAttribute('#deflect-widget', 'data-deflect-state'), 'idle');

    await page.click(`#deflect-widget ${sel.launcher}`);
    await waitReady(page);
    const search = page.locator(sel.search);
    await search.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await search.focus();
    await page.keyboard.type('reset pasw', { delay: TYPE_DELAY });
    await page.locator(sel.option, { hasText: 'Reset your password' }).first().waitFor({ timeout: UI_TIMEOUT });
    const loaded = requests.filter((u) => u.startsWith(widgetOrigin())).map((u) => new URL(u).pathname);
    assert.ok(loaded.some((p) => p.endsWith('.wasm')) && loaded.some((p) => p.endsWith('.pack')), loaded.join(' '));
    // The page's own element with the widget's class name is untouched by the widget's CSS.
    const own = await page.evaluate(() => getComputedStyle(document.getElementById('own')).position);
    assert.equal(own, 'static', "the widget's CSS leaked onto the page");
  });

  test('opening the panel fetches the index beside the app; a hover fetches only the app', async () => {
    // The wasm is held back until the pack's hot part has been asked for: a loader that left
    // the index to the app (which starts only once its wasm is in) would ask for it after.
    const order = [];
    let packAsked;
    const packRequested = new Promise((resolve) => (packAsked = resolve));
    await page.route('**/*.pack', (route) => {
      order.push('pack asked');
      packAsked();
      return route.continue();
    });
    await page.route('**/*.wasm', async (route) => {
      order.push('wasm asked');
      const asked = await Promise.race([packRequested.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
      order.push(asked ? 'wasm sent' : 'wasm sent (no pack asked for within 5 s)');
      return route.continue();
    });
    await page.goto(site.page('/warm', vendorPage(widgetOrigin())), { waitUntil: 'load' });
    await page.click(`#deflect-widget ${sel.launcher}`);
    await waitReady(page);
    assert.deepEqual(order.slice(0, 3), ['wasm asked', 'pack asked', 'wasm sent']);
    await page.locator(sel.search).fill('reset password');
    await page.locator(sel.option, { hasText: 'Reset your password' }).first().waitFor({ timeout: UI_TIMEOUT });

    // A hover is a sign of intent: the app loads, the index waits for the panel to open.
    const hovered = await env.context.newPage();
    const requests = [];
    hovered.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await hovered.goto(site.page('/hover', vendorPage(widgetOrigin())), { waitUntil: 'load' });
    await hovered.hover(`#deflect-widget ${sel.launcher}`);
    await hovered.waitForFunction(() => document.getElementById('deflect-widget').shadowRoot.querySelector('.deflect-mount .deflect-launcher'), null, { timeout: LOAD_TIMEOUT });
    await hovered.waitForTimeout(500);
    await hovered.close();
    assert.ok(requests.some((p) => p.endsWith('.wasm')), requests.join(' '));
    assert.deepEqual(requests.filter((p) => p.endsWith('manifest.json') || p.endsWith('.pack')), [], 'a hover fetched the index');
  });

  /**
   * Opens the vendor page at `pagePath` with the widget's wasm held back until `sendWasm()`,
   * so the app can be made to arrive mid-press; `wasmRequested` resolves once it is asked
   * for, and the page sets `window.appArrived` when the app announces itself.
   */
  async function openWithWasmHeld(pagePath) {
    let sendWasm;
    const wasmHeld = new Promise((r) => (sendWasm = r));
    let wasmAsked;
    const wasmRequested = new Promise((r) => (wasmAsked = r));
    await page.route('**/*.wasm', async (route) => {
      wasmAsked();
      await wasmHeld;
      return route.continue();
    });
    await page.goto(site.page(pagePath, vendorPage(widgetOrigin())), { waitUntil: 'load' });
    const launcher = page.locator(`#deflect-widget ${sel.launcher}`).first();
    await launcher.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.evaluate(() => document.getElementById('deflect-widget').addEventListener('deflect:ready', () => (window.appArrived = true)));
    return { launcher, wasmRequested, sendWasm };
  }

  for (const [how, press, release] of [
    ['a pointer', (p) => p.mouse.down(), (p) => p.mouse.up()],
    ['the Space key', (p) => p.keyboard.down(' '), (p) => p.keyboard.up(' ')],
  ]) {
    test(`a press with ${how} on the launcher as the app arrives still opens the panel`, async () => {
      // Hovering or focusing starts the app; a customer's press can begin on the stand-in
      // launcher and end after the app has arrived. The wasm is held back so the app
      // arrives exactly mid-press. Swapped mid-press, the press ended on the app's launcher
      // and no click reached either launcher: the panel stayed shut.
      const { launcher, wasmRequested, sendWasm } = await openWithWasmHeld('/press');
      if (how === 'a pointer') {
        const box = await launcher.boundingBox();
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      } else {
        await launcher.focus();
      }
      await wasmRequested;
      await press(page);
      sendWasm();
      await page.waitForFunction(() => window.appArrived === true, null, { timeout: LOAD_TIMEOUT });
      await release(page);
      await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await waitReady(page);
      assert.equal(await page.locator(`#deflect-widget ${sel.launcher}`).count(), 1, 'the stand-in launcher was left beside the app\'s');
      assert.equal(await page.getAttribute(`#deflect-widget ${sel.launcher}`, 'aria-expanded'), 'true');
    });
  }

  test('calls the page makes while a press holds the swap reach the app after the earlier queued ones', async () => {
    // The page asked for one search before the app arrived (queued) and another while the
    // customer's press held the swap: the app must see them in that order, so the panel
    // ends on the later one. Sent straight to the app, the later call was overtaken by the
    // queued one replayed at the swap.
    const { launcher, wasmRequested, sendWasm } = await openWithWasmHeld('/press-calls');
    const box = await launcher.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await wasmRequested;
    await page.evaluate(() => window.Deflect('search', 'refund'));
    await page.mouse.down();
    sendWasm();
    await page.waitForFunction(() => window.appArrived === true, null, { timeout: LOAD_TIMEOUT });
    await page.evaluate(() => window.Deflect('search', 'invoice'));
    await page.mouse.up();
    await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await waitReady(page);
    assert.equal(await page.locator(`#deflect-widget ${sel.search}`).inputValue(), 'invoice');
  });

  test('hostile page CSS changes nothing inside the widget', async () => {
    const styleOf = () =>
      shadow(page, (root) => {
        const s = getComputedStyle(root.querySelector('.deflect-launcher'));
        return [s.position, s.backgroundColor, s.fontSize, s.fontFamily, s.display, s.borderRadius].join('|');
      });
    await page.goto(site.page('/clean', vendorPage(widgetOrigin())), { waitUntil: 'load' });
    await page.locator(`#deflect-widget ${sel.launcher}`).first().waitFor({ timeout: UI_TIMEOUT });
    const clean = await styleOf();
    // Everything a careless or hostile stylesheet does short of hiding the widget's own
    // host element (which a page may always do to an element it owns).
    const hostile = `<style>
      * { all: unset; color: red !important; font: 40px/3 serif !important; letter-spacing: 9px !important; }
      button, .deflect-launcher, .deflect-panel, [role=dialog] { background: lime !important; border: 9px solid red !important;
        padding: 30px !important; position: static !important; display: inline !important; border-radius: 0 !important; }
    </style>`;
    await page.goto(site.page('/hostile', vendorPage(widgetOrigin(), { head: hostile })), { waitUntil: 'load' });
    await page.locator(`#deflect-widget ${sel.launcher}`).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await styleOf(), clean);
    await page.click(`#deflect-widget ${sel.launcher}`);
    await waitReady(page);
    await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const font = await shadow(page, (root) => getComputedStyle(root.querySelector('.deflect-panel')).fontSize);
    assert.equal(font, '15px');
  });

  test('the JS API works, including calls queued before the loader arrived', async () => {
    const before = `
      window.seen = [];
      Deflect('on', 'search', function (e) { window.seen.push(e.query); });
      Deflect('setContext', { tags: ['invoice', 'export'] });
      Deflect('identify', { name: 'Queued Person', email: 'queued@vendor.example', plan: 'team' });`;
    await page.goto(site.page('/api', vendorPage(widgetOrigin(), { beforeLoader: before })), { waitUntil: 'load' });
    await page.locator(`#deflect-widget ${sel.launcher}`).first().waitFor({ timeout: UI_TIMEOUT });

    await page.evaluate(() => Deflect('open'));
    await waitReady(page);
    // Context suggestions before typing.
    await page.locator('.deflect-context-heading').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const contextTitles = await page.locator(`${sel.option} .deflect-result-title`).allTextContents();
    assert.ok(contextTitles.some((t) => /invoice|export/i.test(t)), contextTitles.join(' | '));

    await page.evaluate(() => Deflect('close'));
    await page.locator(sel.panel).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await page.evaluate(() => Deflect('search', 'reset password'));
    await page.locator(sel.option, { hasText: 'Reset your password' }).first().waitFor({ timeout: UI_TIMEOUT });
    assert.equal(await page.locator(sel.search).inputValue(), 'reset password');
    // 'on' subscriptions receive the widget's events (a query counts once it settles).
    await page.waitForFunction(() => window.seen.includes('reset password'), null, { timeout: UI_TIMEOUT });

    // identify prefilled the contact form.
    await page.click(`.deflect-footer button.deflect-contact`);
    await page.locator('#deflect-email').waitFor({ timeout: UI_TIMEOUT });
    assert.equal(await page.inputValue('#deflect-email'), 'queued@vendor.example');
    assert.equal(await page.inputValue('#deflect-name'), 'Queued Person');

    // A wrong call is reported, not thrown into the page.
    await page.evaluate(() => Deflect('serch', 'x'));
  });

  test('the whole journey works from the keyboard, focus stays in the dialog and returns', async () => {
    await page.goto(site.page('/keys', vendorPage(widgetOrigin())), { waitUntil: 'load' });
    await page.locator(`#deflect-widget ${sel.launcher}`).first().waitFor({ timeout: UI_TIMEOUT });
    await page.keyboard.press('Alt+Shift+H');
    await waitReady(page);
    await page.locator(sel.search).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const focused = () => shadow(page, (root) => root.activeElement?.className || root.activeElement?.id || null);
    await page.waitForFunction(() => document.getElementById('deflect-widget').shadowRoot.activeElement?.classList.contains('deflect-search'), null, { timeout: UI_TIMEOUT });
    await page.keyboard.type('export timesheet', { delay: TYPE_DELAY });
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator(sel.article).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    // Tab through the article to "No", then to the contact button.
    for (let i = 0; i < 40 && !/deflect-no/.test((await focused()) ?? ''); i++) await page.keyboard.press('Tab');
    assert.match((await focused()) ?? '', /deflect-no/);
    await page.keyboard.press('Enter');
    await page.locator('.deflect-reasons').waitFor({ timeout: UI_TIMEOUT });
    for (let i = 0; i < 40 && !/deflect-contact deflect-primary/.test((await focused()) ?? ''); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#deflect-subject').waitFor({ timeout: UI_TIMEOUT });
    // Focus never leaves the dialog.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const inside = await shadow(page, (root) => !!root.activeElement && !!root.activeElement.closest('.deflect-panel'));
      assert.ok(inside, `Tab #${i + 1} left the dialog`);
    }
    // Escape goes back to the article, back to the results, clears the box, then closes;
    // focus returns to the launcher.
    await page.keyboard.press('Escape');
    await page.locator(sel.article).waitFor({ timeout: UI_TIMEOUT });
    await page.keyboard.press('Escape');
    await page.locator(sel.search).waitFor({ timeout: UI_TIMEOUT });
    await page.keyboard.press('Escape');
    assert.equal(await page.locator(sel.search).inputValue(), '');
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    assert.match((await focused()) ?? '', /deflect-launcher/);
  });

  test('axe-core finds no violations in any state; screenshots in light, dark and phone sizes', async () => {
    const url = site.page('/states', vendorPage(widgetOrigin()));
    for (const [variant, setup] of [
      ['light', async () => page.emulateMedia({ colorScheme: 'light' })],
      ['dark', async () => page.emulateMedia({ colorScheme: 'dark' })],
      ['phone', async () => { await page.emulateMedia({ colorScheme: 'light' }); await page.setViewportSize({ width: 360, height: 740 }); }],
    ]) {
      await setup();
      await page.goto(url, { waitUntil: 'load' });
      await page.locator(`#deflect-widget ${sel.launcher}`).first().waitFor({ timeout: UI_TIMEOUT });
      if (variant === 'light') await assertNoAxeViolations(page, 'closed', { widget: true });
      await screenshot(page, `${variant}-closed`);
      await page.click(`#deflect-widget ${sel.launcher}`);
      await waitReady(page);
      await page.locator(sel.search).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      if (variant !== 'phone') await assertNoAxeViolations(page, `open (${variant})`, { widget: true });
      await page.locator(sel.search).fill('invoice');
      await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
      await assertNoAxeViolations(page, `results (${variant})`, { widget: true });
      await screenshot(page, `${variant}-results`);
      await page.locator(sel.option).first().click();
      await page.locator('.deflect-article-body').first().waitFor({ timeout: UI_TIMEOUT });
      await page.locator('button.deflect-no').waitFor({ timeout: UI_TIMEOUT });
      await assertNoAxeViolations(page, `article (${variant})`, { widget: true });
      await page.click('button.deflect-no');
      await page.locator('.deflect-reasons').waitFor({ timeout: UI_TIMEOUT });
      await assertNoAxeViolations(page, `feedback (${variant})`, { widget: true });
      await screenshot(page, `${variant}-feedback`);
      await page.click('.deflect-feedback button.deflect-contact');
      await page.locator('#deflect-subject').waitFor({ timeout: UI_TIMEOUT });
      await page.click('button.deflect-submit'); // shows the inline errors too
      await page.locator('.deflect-field-error').first().waitFor({ timeout: UI_TIMEOUT });
      await assertNoAxeViolations(page, `handoff form (${variant})`, { widget: true });
      await screenshot(page, `${variant}-form`);
      await page.evaluate(() => localStorage.clear());
    }
  });

  test('a strict nonce-based CSP with wasm-unsafe-eval is enough', async () => {
    const o = widgetOrigin();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${NONCE}' 'strict-dynamic' 'wasm-unsafe-eval'`,
      `style-src ${o}`,
      `connect-src ${o}`,
      "img-src data:",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; ');
    const url = site.page('/csp', vendorPage(o, { nonce: NONCE, beforeLoader: `
      window.violations = [];
      document.addEventListener('securitypolicyviolation', function (e) { window.violations.push(e.violatedDirective + ' ' + e.blockedURI); });` }),
      { 'Content-Security-Policy': csp });
    await page.goto(url, { waitUntil: 'load' });
    await page.click(`#deflect-widget ${sel.launcher}`);
    await waitReady(page);
    await page.locator(sel.search).fill('reset password');
    await page.locator(sel.option, { hasText: 'Reset your password' }).first().waitFor({ timeout: UI_TIMEOUT });
    await page.locator(sel.option).first().click();
    await page.locator('.deflect-article-body').first().waitFor({ timeout: UI_TIMEOUT });
    assert.deepEqual(await page.evaluate(() => window.violations), []);
  });

  test('with WebAssembly blocked by CSP, the panel still opens with a way to contact support', async () => {
    const o = widgetOrigin();
    const csp = `default-src 'none'; script-src 'nonce-${NONCE}' 'strict-dynamic'; style-src ${o}; connect-src ${o}`;
    const url = site.page('/nowasm', vendorPage(o, { nonce: NONCE }), { 'Content-Security-Policy': csp });
    await page.goto(url, { waitUntil: 'load' });
    await page.click(`#deflect-widget ${sel.launcher}`);
    const contact = page.locator('.deflect-fallback a.deflect-contact');
    await contact.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    assert.equal(await contact.getAttribute('href'), 'mailto:help@vendor.example');
    assert.equal(await page.getAttribute('#deflect-widget', 'data-deflect-state'), 'error');
    const reported = consoleErrors.filter((t) => t.startsWith('deflect:'));
    assert.equal(reported.length, 1, JSON.stringify(consoleErrors));
    await screenshot(page, 'no-wasm-fallback');
    await page.keyboard.press('Escape');
    await page.locator('.deflect-fallback').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  });
});
