// Meaning vectors in the widget: a pack built `--meaning` names them; the widget fetches
// them only after its first suggestions are on screen, and from then on a question that
// shares no word with its article finds it. When they cannot be fetched the words alone
// still answer, with no error on the page.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOAD_TIMEOUT, REPO, TYPE_DELAY, UI_TIMEOUT, browserSuite, openHostPage, openPanel, sel, siteWithKnowledgeBase } from './harness.mjs';

const HOST = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal</title></head>
<body><h1>Portal</h1>
<script async src="/widget/deflect.js" data-index="/kb/manifest.json" data-collector="/" data-contact="mailto:help@example.com"></script></body></html>`;

const ARTICLE = 'billing/cancel-subscription';
const TITLE = 'Cancel your subscription';
// Shares no word with the article (index/tests/meaning.rs checks the plain ranking misses it).
const PARAPHRASE = 'halt my membership';
const WORDS_ONLY_FIRST = "Report totals don't match what I expected";

/**
 * A meaning-vectors file (the format of deflect_core::meaning) in 4 dimensions: "halt"
 * points at the cancel article, "membership" half-way elsewhere; every row at 8 bits.
 * Written in format 1, as the first release's script wrote it: `deflect build` still reads
 * it and publishes it in the current format, which is what the page fetches.
 */
function meaningFile() {
  const words = [['halt', [127, 0, 0, 0]], ['membership', [64, 64, 0, 0]]];
  const articles = [[ARTICLE, [127, 0, 0, 0]], ['account/reset-password', [0, 0, 127, 0]]];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const f32 = (v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); return b; };
  const list = (rows) => { const text = Buffer.from(rows.map(([name]) => name).join('\n')); return [u32(text.length), text]; };
  const vectors = (rows) => [Buffer.from(Int8Array.from(rows.flatMap(([, v]) => v)).buffer), ...rows.map(() => f32(1 / 127))];
  const bytes = Buffer.concat([
    Buffer.from('DFMV'), u32(1), u32(4), u32(8), u32(words.length), u32(articles.length), f32(2.0), u32(0),
    ...list(words), ...list(articles), ...vectors(words), ...vectors(articles),
  ]);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'deflect-meaning-')), 'kb.meaning');
  writeFileSync(file, bytes);
  return file;
}

async function typeQuery(page, search, text) {
  await search.fill('');
  await search.focus();
  await page.keyboard.type(text, { delay: TYPE_DELAY });
}

describe('meaning vectors', () => {
  let env;
  let page;
  let meaningRequests;
  browserSuite({
    site: () => siteWithKnowledgeBase(path.join(REPO, 'kb'), HOST, ['--meaning', meaningFile()]),
    bind: (s) => ({ env, page } = s),
    onPage: (page) => {
      meaningRequests = [];
      page.on('request', (r) => r.url().endsWith('.meaning') && meaningRequests.push(r.url()));
    },
  });

  test('load after the first suggestions; then a paraphrase finds its article', async () => {
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page);
    assert.deepEqual(meaningRequests, [], 'opening the panel does not fetch them');
    await typeQuery(page, search, 'refund');
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    await page.waitForFunction(() => performance.getEntriesByName('deflect:meaning-loaded').length > 0, null, { timeout: LOAD_TIMEOUT });
    const order = await page.evaluate(() => {
      const painted = performance.getEntriesByName('deflect:suggestions')[0].startTime;
      const fetched = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.meaning'));
      return { painted, fetched: fetched.startTime };
    });
    assert.ok(order.fetched > order.painted, `fetched at ${order.fetched} ms, first suggestions at ${order.painted} ms`);
    assert.equal(meaningRequests.length, 1, 'fetched once');
    await typeQuery(page, search, PARAPHRASE);
    await page.waitForFunction(
      ([root, title]) => document.querySelector(root).shadowRoot.querySelector('.deflect-result-title')?.textContent.trim() === title,
      [sel.root, TITLE],
      { timeout: UI_TIMEOUT },
    );
    // Keyboard: the first option is the one ArrowDown selects and Enter opens.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator(sel.article).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  });

  test('when they cannot be fetched, the words alone answer and nothing breaks', async () => {
    await page.route('**/*.meaning', (route) => route.fulfill({ status: 503, body: 'down' }));
    const warned = page.waitForEvent('console', { predicate: (m) => /meaning vectors/.test(m.text()), timeout: LOAD_TIMEOUT });
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page);
    await typeQuery(page, search, 'refund');
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    assert.match((await warned).text(), /503/);
    // Like every content-addressed file: once, then once more past the HTTP cache.
    assert.equal(meaningRequests.length, 2, 'asked for twice before giving up');
    assert.equal(await page.evaluate(() => performance.getEntriesByName('deflect:meaning-loaded').length), 0);
    await typeQuery(page, search, 'cancel subscription');
    await page.waitForFunction(
      ([root, title]) => document.querySelector(root).shadowRoot.querySelector('.deflect-result-title')?.textContent.trim() === title,
      [sel.root, TITLE],
      { timeout: UI_TIMEOUT },
    );
    assert.equal(await page.getAttribute(sel.root, 'data-deflect-state'), 'ready');
    assert.equal(meaningRequests.length, 2, 'not asked for again while the customer types');
  });

  /** The host page with `attributes` on the loader's script tag. */
  async function openHostWith(attributes) {
    const attrs = Object.entries(attributes).map(([k, v]) => ` data-${k}="${v}"`).join('');
    const url = `${env.server.url}settings-host.html`;
    await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: HOST.replace(' data-collector="/"', ` data-collector="/"${attrs}`) }));
    await openHostPage(page, url);
  }

  /** Searches `text` once every piece is loaded, and waits for `first` to be the first title. */
  async function searchOnceWarm(text, first) {
    const { search } = await openPanel(page);
    await typeQuery(page, search, 'refund');
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    // The vectors would be fetched right after this mark.
    await page.waitForFunction(() => performance.getEntriesByName('deflect:pieces-loaded').length > 0, null, { timeout: LOAD_TIMEOUT });
    await typeQuery(page, search, text);
    await page.waitForFunction(
      ([root, title]) => document.querySelector(root).shadowRoot.querySelector('.deflect-result-title')?.textContent.trim() === title,
      [sel.root, first],
      { timeout: UI_TIMEOUT },
    );
  }

  for (const [name, open] of [
    ['a page that sets data-meaning="off"', () => openHostWith({ meaning: 'off' })],
    ['a customer whose browser asks to save data', async () => {
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'connection', { get: () => ({ saveData: true }) }));
      await openHostPage(page, env.server.url);
    }],
  ]) {
    test(`${name} never fetches them, and ranks by words alone`, async () => {
      await open();
      // What the words alone rank first for the paraphrase (`deflect search` on the demo kb).
      await searchOnceWarm(PARAPHRASE, WORDS_ONLY_FIRST);
      assert.deepEqual(meaningRequests, []);
      assert.equal(await page.evaluate(() => performance.getEntriesByName('deflect:meaning-loaded').length), 0);
    });
  }
});
