// Browser tests of the help widget on the demo host page, against a real `deflect serve`.
//
// Needs the built site (scripts/build-site) and Debian's chromium (scripts/setup).
// Run with: node --test --test-reporter=spec tests/e2e/
//
// Written against the widget's DOM contract: #deflect-widget[data-deflect-state],
// button.deflect-launcher, div.deflect-panel[role=dialog], input.deflect-search[role=combobox],
// ul.deflect-results[role=listbox] > li.deflect-result[role=option] (with <mark> highlights),
// .deflect-status, .deflect-empty/.deflect-contact, article.deflect-article/.deflect-back.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The dev-profile CLI that scripts/build-site builds (and `cargo test` already built).
const DEFLECT = process.env.DEFLECT_BIN || path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target', 'debug/deflect');
const SITE = path.join(REPO, 'dist/site');
const ARTIFACTS = path.join(REPO, 'tests/e2e/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const LOAD_TIMEOUT = 15_000; // widget mount, pack download and index open
const UI_TIMEOUT = 5_000; // anything after the index is ready
const TYPE_DELAY = 60; // ms between keystrokes, like a quick typist

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server', // the server is on 127.0.0.1; never route it through a proxy
];

// ---------------------------------------------------------------------------------------------
// The server: `deflect serve dist/site --port 0`, URL read from its first stdout line.

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(DEFLECT, ['serve', SITE, '--port', '0'], {
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

async function stopServer(server) {
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

const sel = {
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
async function openHostPage(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector(`${sel.root}[data-deflect-state]`, { state: 'attached', timeout: LOAD_TIMEOUT });
}

/** Clicks the launcher and waits for the search box and for the index to be ready. */
async function openPanel(page) {
  const started = Date.now();
  await page.click(sel.launcher);
  await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  assert.equal(await page.getAttribute(sel.launcher, 'aria-expanded'), 'true');
  assert.equal(await page.getAttribute(sel.panel, 'aria-label'), 'Help');
  const handle = await page.waitForFunction(
    (root) => {
      const s = document.querySelector(root)?.getAttribute('data-deflect-state');
      return s === 'ready' || s === 'error' ? s : null;
    },
    sel.root,
    { timeout: LOAD_TIMEOUT, polling: 20 },
  );
  const state = await handle.jsonValue();
  if (state !== 'ready') {
    const status = await page.locator(sel.status).first().textContent().catch(() => '');
    assert.fail(`widget state is "${state}" after opening the panel; status: ${status}`);
  }
  const search = page.locator(sel.search);
  await search.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return { search, readyMs: Date.now() - started };
}

/** The article view's title: its h2 outside the article body (the body has h2s of its own). */
function articleTitle(page) {
  return page.evaluate(
    ([article, body]) => {
      const h2 = [...document.querySelectorAll(`${article} h2`)].find((h) => !h.closest(body));
      return h2 ? h2.textContent.trim() : null;
    },
    [sel.article, '.deflect-article-body'],
  );
}

/** Text of each option's title, in order. */
function optionTitles(page) {
  return page.locator(`${sel.option} .deflect-result-title`).allTextContents();
}

/** Index of the option with aria-selected="true" (-1 when none), checking there is at most one. */
async function selectedIndex(page) {
  const flags = await page
    .locator(sel.option)
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-selected') === 'true'));
  assert.ok(flags.filter(Boolean).length <= 1, `more than one option is aria-selected: ${flags}`);
  return flags.indexOf(true);
}

/** Checks the build is there, starts the server and a fresh headless chromium. */
async function startEnvironment() {
  for (const [what, p] of [
    ['the deflect binary', DEFLECT],
    ['the built site', path.join(SITE, 'index.html')],
    ['the widget bundle', path.join(SITE, 'widget/deflect-widget_bg.wasm')],
    ['the index pack manifest', path.join(SITE, 'kb/manifest.json')],
    ['chromium', CHROMIUM],
  ]) {
    assert.ok(existsSync(p), `${what} is missing (${p}); run scripts/setup and scripts/build-site`);
  }
  const server = await startServer();
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'deflect-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 30_000,
  });
  return { server, context, userDataDir };
}

async function stopEnvironment({ server, context, userDataDir }) {
  await context?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await stopServer(server);
}

// ---------------------------------------------------------------------------------------------

describe('Deflect widget on the demo host page', () => {
  let server;
  let context;
  let userDataDir;
  let page;
  let pageErrors;
  let consoleErrors;
  let failedRequests;

  before(async () => {
    ({ server, context, userDataDir } = await startEnvironment());
  });

  after(async () => {
    await stopEnvironment({ server, context, userDataDir });
  });

  beforeEach(async () => {
    pageErrors = [];
    consoleErrors = [];
    failedRequests = [];
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on('pageerror', (e) => pageErrors.push(e));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url || 'no url'})`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failedRequests.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => failedRequests.push(`${r.failure()?.errorText} ${r.url()}`));
    await openHostPage(page, server.url);
  });

  afterEach(async () => {
    await page?.close().catch(() => {});
    for (const text of consoleErrors) console.log(`  console error: ${text}`);
    for (const text of failedRequests) console.log(`  failed request: ${text}`);
    assert.deepEqual(
      pageErrors.map((e) => String(e.stack || e)),
      [],
      'uncaught errors on the page',
    );
  });

  test('typing "reset pasw" suggests "Reset your password" and opens the article', async () => {
    assert.equal(await page.getAttribute(sel.root, 'data-deflect-state'), 'idle');
    assert.equal(await page.getAttribute(sel.launcher, 'aria-expanded'), 'false');
    assert.match((await page.textContent(sel.launcher)) ?? '', /Help/);

    const { search, readyMs } = await openPanel(page);
    console.log(`  panel open to index ready: ${readyMs} ms`);
    await search.focus();

    // Type like a person, and watch for the suggestion while typing.
    const wanted = page.locator(sel.option, { hasText: 'Reset your password' }).first();
    const t0 = Date.now();
    const typing = page.keyboard.type('reset pasw', { delay: TYPE_DELAY });
    await wanted.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const firstSuggestionMs = Date.now() - t0;
    await typing;
    console.log(`  time to first suggestion: ${firstSuggestionMs} ms`);
    assert.equal(await search.inputValue(), 'reset pasw');

    // Once the last keystroke has been searched, the article is the top result.
    await page.waitForFunction(
      (s) => document.querySelector(s)?.textContent.trim() === 'Reset your password',
      `${sel.option} .deflect-result-title`,
      { timeout: UI_TIMEOUT },
    );
    const titles = await optionTitles(page);
    assert.equal(titles[0].trim(), 'Reset your password', `results: ${JSON.stringify(titles)}`);
    const first = page.locator(sel.option).first();
    assert.ok((await first.locator('mark').count()) > 0, 'the top result has no <mark> highlight');
    assert.ok((await first.locator('.deflect-result-category').count()) === 1, 'no category');
    assert.ok((await first.locator('.deflect-result-excerpt').count()) === 1, 'no excerpt');
    assert.match((await page.textContent(sel.status)) ?? '', /\d/, 'the status line gives no count');
    const controls = await search.getAttribute('aria-controls');
    assert.ok(controls, 'the search box has no aria-controls');
    assert.equal(await page.getAttribute(sel.listbox, 'id'), controls);

    await first.click();
    const article = page.locator(sel.article);
    await article.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.waitForFunction(
      ([a, b]) =>
        [...document.querySelectorAll(`${a} h2`)].find((h) => !h.closest(b))?.textContent.trim() ===
        'Reset your password',
      [sel.article, '.deflect-article-body'],
      { timeout: UI_TIMEOUT },
    );
    const body = article.locator('.deflect-article-body');
    await body.filter({ hasText: 'Forgot password' }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await article.locator(sel.back).count(), 1, 'no "Back to results" button');

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'search-article.png');
    await page.screenshot({ path: shot });
    console.log(`  screenshot: ${path.relative(REPO, shot)}`);
  });

  test('a nonsense query shows "No articles match" and a way to contact support', async () => {
    const { search } = await openPanel(page);
    await search.focus();
    await page.keyboard.type('qzxv', { delay: TYPE_DELAY });
    const empty = page.locator(sel.empty);
    await empty.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.match((await empty.textContent()) ?? '', /No articles match/);
    const contact = empty.locator(sel.contact);
    await contact.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.match((await contact.textContent()) ?? '', /Contact support/i);
    assert.equal(await page.locator(sel.option).count(), 0, 'options shown for a nonsense query');
  });

  test('arrow keys move the selection; Escape leaves the article, clears, then closes', async () => {
    const { search } = await openPanel(page);
    await search.focus();
    await page.keyboard.type('password', { delay: TYPE_DELAY });
    await page.waitForFunction((s) => document.querySelectorAll(s).length >= 3, sel.option, {
      timeout: UI_TIMEOUT,
    });
    // Let the search for the last keystroke land before steering.
    await page.waitForTimeout(300);

    // ArrowDown moves aria-selected one option down, and aria-activedescendant follows it.
    const start = await selectedIndex(page);
    for (const expected of [start + 1, start + 2]) {
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction(
        ([s, i]) => document.querySelectorAll(s)[i]?.getAttribute('aria-selected') === 'true',
        [sel.option, expected],
        { timeout: UI_TIMEOUT },
      );
      assert.equal(await selectedIndex(page), expected);
      const id = await page.locator(sel.option).nth(expected).getAttribute('id');
      assert.ok(id, 'the selected option has no id');
      assert.equal(await search.getAttribute('aria-activedescendant'), id);
    }
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(
      ([s, i]) => document.querySelectorAll(s)[i]?.getAttribute('aria-selected') === 'true',
      [sel.option, start + 1],
      { timeout: UI_TIMEOUT },
    );

    // Enter opens the selected article; Escape goes back to the results.
    const chosen = (await optionTitles(page))[start + 1].trim();
    await page.keyboard.press('Enter');
    const article = page.locator(sel.article);
    await article.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await articleTitle(page), chosen);
    await page.keyboard.press('Escape');
    await article.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await page.locator(sel.option).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await search.inputValue(), 'password');

    // Escape in the search box with text clears it; with an empty box it closes the panel.
    await search.focus();
    await page.keyboard.press('Escape');
    await page.waitForFunction((s) => document.querySelector(s)?.value === '', sel.search, {
      timeout: UI_TIMEOUT,
    });
    await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    assert.equal(await page.getAttribute(sel.launcher, 'aria-expanded'), 'false');
  });
});

describe('when the index cannot be loaded, customers can still reach support', () => {
  let env;
  before(async () => {
    env = await startEnvironment();
  });
  after(async () => {
    await stopEnvironment(env ?? {});
  });

  const faults = [
    {
      name: 'the manifest is missing (HTTP 404)',
      matches: (url) => url.endsWith('/kb/manifest.json'),
      reply: { status: 404, contentType: 'text/plain', body: 'not found' },
      cause: /HTTP 404/,
    },
    {
      name: 'the pack URL returns an HTML page instead of a pack',
      matches: (url) => url.endsWith('.pack'),
      reply: { status: 200, contentType: 'text/html', body: '<!doctype html><p>Please sign in</p>' },
      cause: /not a Deflect index pack/,
    },
  ];

  for (const fault of faults) {
    test(fault.name, async () => {
      const page = await env.context.newPage();
      const pageErrors = [];
      const consoleErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      await page.route('**/*', (route) =>
        fault.matches(route.request().url()) ? route.fulfill(fault.reply) : route.continue(),
      );
      try {
        await openHostPage(page, env.server.url);
        await page.click(sel.launcher);
        await page.waitForFunction(
          (root) => document.querySelector(root)?.getAttribute('data-deflect-state') === 'error',
          sel.root,
          { timeout: LOAD_TIMEOUT },
        );
        assert.match((await page.textContent(sel.status)) ?? '', /unavailable/i);
        const contact = page.locator(`${sel.empty} ${sel.contact}`);
        await contact.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
        assert.match((await contact.getAttribute('href')) ?? '', /^mailto:support@/);
        // The box still takes input without breaking the page.
        await page.locator(sel.search).fill('refund');
        assert.equal(await page.locator(sel.option).count(), 0);
        const reported = consoleErrors.filter((t) => t.includes('deflect: search unavailable'));
        assert.equal(reported.length, 1, `the cause is reported once: ${JSON.stringify(consoleErrors)}`);
        assert.match(reported[0], fault.cause);
        assert.deepEqual(pageErrors.map(String), [], 'uncaught errors on the page');
      } finally {
        await page.close().catch(() => {});
      }
    });
  }
});
