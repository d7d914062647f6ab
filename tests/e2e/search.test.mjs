// Browser tests of search in the help widget on the demo host page, against a real
// `deflect serve`. Needs the built site (scripts/build-site) and Debian's chromium
// (scripts/setup). Run with: node --test --test-reporter=spec tests/e2e/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  REPO,
  SITE,
  servePackUnderItsName,
  ARTIFACTS,
  LOAD_TIMEOUT,
  UI_TIMEOUT,
  TYPE_DELAY,
  sel,
  openHostPage,
  openPanel,
  pageMemory,
  articleTitle,
  optionTitles,
  selectedIndex,
  browserSuite,
  startEnvironment,
  stopEnvironment,
} from './harness.mjs';
// ---------------------------------------------------------------------------------------------

describe('Deflect widget on the demo host page', () => {
  let server;
  let context;
  let page;
  let consoleErrors;
  let failedRequests;
  browserSuite({
    bind: (s) => ({ env: { server, context } = {}, page } = s),
    onPage: async (page) => {
      consoleErrors = [];
      failedRequests = [];
      page.setDefaultTimeout(UI_TIMEOUT);
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url || 'no url'})`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400) failedRequests.push(`${r.status()} ${r.url()}`);
      });
      page.on('requestfailed', (r) => failedRequests.push(`${r.failure()?.errorText} ${r.url()}`));
      await openHostPage(page, server.url);
    },
    afterPage: () => {
      for (const text of consoleErrors) console.log(`  console error: ${text}`);
      for (const text of failedRequests) console.log(`  failed request: ${text}`);
    },
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
      (s) => (document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelector(s)?.textContent.trim() === 'Reset your password',
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
        [...(document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelectorAll(`${a} h2`)].find((h) => !h.closest(b))?.textContent.trim() ===
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

  test('a link between articles opened in a new tab opens that article at once', async () => {
    await openHostPage(page, `${server.url}?deflect-article=account/reset-password`);
    await page.locator(sel.article).waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    assert.equal(await articleTitle(page), 'Reset your password');
    // Inside articles, links to other articles carry the same address and open in place.
    const link = page.locator('.deflect-article-body a[data-deflect-article]').first();
    assert.ok((await link.count()) > 0, 'the article links to others (kb/account/reset-password.md)');
    assert.match(await link.getAttribute('href'), /^\?deflect-article=/);
    await link.click();
    await page.waitForFunction(
      ([a, b]) => {
        const root = document.querySelector('#deflect-widget')?.shadowRoot ?? document;
        const h2 = [...root.querySelectorAll(`${a} h2`)].find((h) => !h.closest(b));
        return h2 && h2.textContent.trim() !== 'Reset your password';
      },
      [sel.article, '.deflect-article-body'],
      { timeout: UI_TIMEOUT },
    );
    assert.ok(!page.url().includes('deflect-article=account/enable'), 'the page did not navigate');
  });

  test('a misspelled question with few results offers "Did you mean" from the index\'s words', async () => {
    const { search } = await openPanel(page);
    await search.focus();
    await page.keyboard.type('xerro', { delay: TYPE_DELAY });
    const offer = page.locator('button.deflect-did-you-mean');
    await offer.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal((await offer.textContent()).trim(), 'Did you mean “xero”?');
    await offer.click();
    assert.equal(await search.inputValue(), 'xero');
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    assert.equal(await offer.count(), 0, 'no offer once the words are known');
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
    await page.waitForFunction((s) => (document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelectorAll(s).length >= 3, sel.option, {
      timeout: UI_TIMEOUT,
    });
    // Let the search for the last keystroke land before steering.
    await page.waitForTimeout(300);

    // ArrowDown moves aria-selected one option down, and aria-activedescendant follows it.
    const start = await selectedIndex(page);
    for (const expected of [start + 1, start + 2]) {
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction(
        ([s, i]) => (document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelectorAll(s)[i]?.getAttribute('aria-selected') === 'true',
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
      ([s, i]) => (document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelectorAll(s)[i]?.getAttribute('aria-selected') === 'true',
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
    await page.waitForFunction((s) => (document.querySelector('#deflect-widget')?.shadowRoot ?? document).querySelector(s)?.value === '', sel.search, {
      timeout: UI_TIMEOUT,
    });
    await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    assert.equal(await page.getAttribute(sel.launcher, 'aria-expanded'), 'false');
  });
  test('a long session keeps memory flat: 200 searches and article views after warming up', async () => {
    // What a leak per keystroke or per article would show: WebAssembly memory only grows,
    // so it is read after a warm-up and again 200 searches later; the JS heap after GC.
    const { search } = await openPanel(page);
    const queries = ['reset password', 'invoice copy', 'export csv', 'two-factor login', 'timer not syncing', 'change plan', 'vat number', 'api token'];
    const round = async (i) => {
      await search.fill(`${queries[i % queries.length]} ${i % 7 ? '' : 'please'}`.trim());
      await page.locator(sel.option).first().waitFor({ state: 'visible' });
      if (i % 4 === 0) {
        await page.locator(sel.option).first().click();
        await page.locator(sel.article).waitFor({ state: 'visible' });
        await page.keyboard.press('Escape');
        await page.locator(sel.article).waitFor({ state: 'hidden' });
      }
    };
    const memory = () => pageMemory(context, page);
    for (let i = 0; i < 40; i++) await round(i);
    const warm = await memory();
    for (let i = 40; i < 240; i++) await round(i);
    const later = await memory();
    const mib = (b) => (b / 1048576).toFixed(2);
    console.log(`  after 40 rounds: wasm ${mib(warm.wasm)} MiB, JS heap ${mib(warm.jsHeap)} MiB; after 240: wasm ${mib(later.wasm)} MiB, JS heap ${mib(later.jsHeap)} MiB`);
    assert.ok(warm.wasm > 0, 'no WebAssembly memory found');
    // A leak of 5 KB per round would add 1 MB over these 200 rounds.
    assert.ok(later.wasm - warm.wasm <= 1 << 20, `WebAssembly memory grew from ${mib(warm.wasm)} to ${mib(later.wasm)} MiB`);
    assert.ok(later.jsHeap - warm.jsHeap <= 1 << 20, `the JS heap grew from ${mib(warm.jsHeap)} to ${mib(later.jsHeap)} MiB`);
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
      // Under the pack's own name its bytes fail the content-address check (twice: the
      // widget fetches once more, past the HTTP cache) before anything parses them.
      name: 'the pack URL returns an HTML page instead of a pack',
      matches: (url) => url.endsWith('.pack'),
      reply: { status: 200, contentType: 'text/html', body: '<!doctype html><p>Please sign in</p>' },
      cause: /kb\.[0-9a-f]{16}\.pack does not match its content/,
    },
    {
      name: 'the pack arrives with one byte flipped (its name no longer matches)',
      matches: (url) => url.endsWith('.pack'),
      edit: (bytes) => {
        bytes[bytes.length >> 1] ^= 0x40;
      },
      cause: /kb\.[0-9a-f]{16}\.pack does not match its content/,
    },
    // A publisher's own broken packs, named by their hash, reach the pack parser.
    {
      name: 'the pack is of a newer format version than this widget reads',
      renamed: (bytes) => bytes.writeUInt32LE(99, 8),
      cause: /format version 99 is not supported/,
    },
    {
      name: 'the pack has one byte flipped behind its header, and is named by its bytes',
      renamed: (bytes) => {
        bytes[bytes.length >> 1] ^= 0x40;
      },
      cause: /checksum mismatch/,
    },
    {
      name: 'the pack download stalls (the page set a 2 s limit)',
      matches: (url) => url.endsWith('.pack'),
      stall: true,
      timeout: '2',
      cause: /took longer than 2 s/,
    },
  ];

  // A fault either replaces the response or edits the real one's bytes.
  async function inject(fault, route) {
    if (fault.stall) return new Promise(() => {}); // never answered
    if (fault.reply) return route.fulfill(fault.reply);
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    fault.edit(body);
    // The body comes decoded; its content-encoding header must not travel with it.
    return route.fulfill({ status: response.status(), contentType: 'application/octet-stream', body });
  }

  test('a pack that makes the search engine panic (only a hostile publisher makes one): the contact panel replaces the app', async () => {
    // Valid header and checksum, corrupt segment files (a fuzz mutation): the pack opens,
    // then searching "reset password" trips an assertion in tantivy's BM25 weight. The
    // mutations found 19 such panic sites in tantivy; WebAssembly cannot unwind, so after any
    // of them the app is gone and the loader must take over.
    const hostile = readFileSync(path.join(REPO, 'tests/fixtures/hostile-packs/bm25-assertion-panic.pack'));
    const page = await env.context.newPage();
    const pageErrors = [];
    const consoleErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await servePackUnderItsName(page, hostile);
    try {
      await openHostPage(page, env.server.url);
      await page.click(sel.launcher);
      await page.locator(sel.search).fill('reset password');
      const fallback = page.locator('.deflect-fallback');
      await fallback.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
      assert.equal(await page.getAttribute(sel.root, 'data-deflect-state'), 'error');
      const contact = fallback.locator('a.deflect-contact');
      assert.equal(await contact.getAttribute('href'), await page.getAttribute(sel.root, 'data-contact'));
      assert.ok(await contact.evaluate((a) => a.getRootNode().activeElement === a), 'focus is on the contact link');
      assert.equal(await page.locator('.deflect-mount').isVisible(), false, 'the dead app is hidden');
      const stopped = consoleErrors.filter((t) => t.includes('deflect: the help widget stopped'));
      assert.equal(stopped.length, 1, JSON.stringify(consoleErrors));
      // Only the trap itself reaches the page's error handler.
      assert.ok(pageErrors.every((e) => /unreachable/.test(String(e))), pageErrors.map(String).join('\n'));
      // Escape closes it; the launcher and the API keep leading to it.
      await page.keyboard.press('Escape');
      await fallback.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
      await page.click(`${sel.launcher}:visible`);
      await fallback.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await page.keyboard.press('Escape');
      await page.evaluate(() => window.Deflect('open'));
      await fallback.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    } finally {
      await page.close().catch(() => {});
    }
  });

  for (const fault of faults) {
    test(fault.name, async () => {
      const page = await env.context.newPage();
      const pageErrors = [];
      const consoleErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      if (fault.renamed) {
        const manifest = JSON.parse(readFileSync(path.join(SITE, 'kb/manifest.json'), 'utf8'));
        const bytes = readFileSync(path.join(SITE, 'kb', manifest.pack));
        fault.renamed(bytes);
        await servePackUnderItsName(page, bytes);
      } else {
        await page.route('**/*', (route) =>
          fault.matches(route.request().url()) ? inject(fault, route) : route.continue(),
        );
      }
      try {
        await openHostPage(page, env.server.url);
        if (fault.timeout) await page.evaluate((t) => (document.getElementById('deflect-widget').dataset.indexTimeout = t), fault.timeout);
        await page.click(sel.launcher);
        await page.waitForFunction(
          (root) => document.querySelector(root)?.getAttribute('data-deflect-state') === 'error',
          sel.root,
          { timeout: LOAD_TIMEOUT },
        );
        assert.match((await page.textContent(sel.status)) ?? '', /unavailable/i);
        const contact = page.locator(`${sel.empty} ${sel.contact}`);
        await contact.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
        // The box still takes input without breaking the page.
        await page.locator(sel.search).fill('refund');
        assert.equal(await page.locator(sel.option).count(), 0);
        // And the way to a human works without search: the contact form opens, prefilled.
        await contact.click();
        const subject = page.locator('#deflect-subject');
        await subject.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
        assert.equal(await subject.inputValue(), 'refund');
        const reported = consoleErrors.filter((t) => t.includes('deflect: search unavailable'));
        assert.equal(reported.length, 1, `the cause is reported once: ${JSON.stringify(consoleErrors)}`);
        assert.match(reported[0], fault.cause);
        assert.deepEqual(pageErrors.map(String), [], 'uncaught errors on the page');
      } finally {
        await page.evaluate(() => localStorage.clear()).catch(() => {});
        await page.close().catch(() => {});
      }
    });
  }
});
