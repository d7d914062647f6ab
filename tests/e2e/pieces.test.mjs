// The pack split by need: the widget opens the hot part, fetches the pieces a query reads,
// then the rest in the background; a missing or corrupt piece is retried once and then
// leaves a working panel with the way to a human; a generation published while the page is
// open never mixes into it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DEFLECT, LOAD_TIMEOUT, REPO, TYPE_DELAY, UI_TIMEOUT, openHostPage, openPanel, optionTitles, sel, siteWithKnowledgeBase, browserSuite, startEnvironment, stopEnvironment } from './harness.mjs';

const HOST = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal</title></head>
<body><h1>Portal</h1>
<script async src="/widget/deflect.js" data-index="/kb/manifest.json" data-collector="/" data-contact="mailto:help@example.com"></script></body></html>`;

const isPiece = (url) => url.endsWith('.piece');
const name = (url) => url.slice(url.lastIndexOf('/') + 1);

/** The piece names the generation currently published in `kbDir` consists of. */
function generationPieces(kbDir) {
  const { files } = JSON.parse(readFileSync(path.join(kbDir, 'generation.json'), 'utf8'));
  return new Set(files.filter((f) => f.endsWith('.piece')));
}

async function typeQuery(page, search, text) {
  await search.fill('');
  await search.focus();
  await page.keyboard.type(text, { delay: TYPE_DELAY });
}

async function expectUnavailableWithContact(page) {
  await page.waitForFunction(
    (root) => document.querySelector(root)?.getAttribute('data-deflect-state') === 'error',
    sel.root,
    { timeout: LOAD_TIMEOUT },
  );
  assert.match((await page.textContent(sel.status)) ?? '', /unavailable/i);
  await page.locator(`${sel.empty} ${sel.contact}`).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
}

describe('a pack split into a hot part and pieces', () => {
  let env;
  let built;
  let page;
  let pieceRequests;
  let consoleErrors;
  browserSuite({
    site: () => siteWithKnowledgeBase(path.join(REPO, 'kb'), HOST),
    bind: (s) => ({ env, built, page } = s),
    onPage: (page) => {
      pieceRequests = [];
      consoleErrors = [];
      page.on('request', (r) => isPiece(r.url()) && pieceRequests.push(name(r.url())));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    },
    afterPage: () => env.context.setOffline(false),
  });

  test('the first suggestion fetches only the pieces it reads; the rest follow and search then works offline', async () => {
    const manifest = JSON.parse(readFileSync(path.join(built.site, 'kb/manifest.json'), 'utf8'));
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page);
    await typeQuery(page, search, 'refund');
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    // The background warm-up starts after the first suggestions' mark; what came before it
    // is what the first suggestion cost.
    const beforeFirst = await page.evaluate(() => {
      const painted = performance.getEntriesByName('deflect:suggestions')[0].startTime;
      return performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.piece') && e.startTime < painted).length;
    });
    assert.ok(beforeFirst > 0 && beforeFirst < manifest.pieces, `${beforeFirst} of ${manifest.pieces} pieces before the first suggestion`);
    await page.waitForFunction(() => performance.getEntriesByName('deflect:pieces-loaded').length > 0, null, { timeout: LOAD_TIMEOUT });
    assert.equal(new Set(pieceRequests).size, manifest.pieces, 'each piece fetched');
    assert.equal(pieceRequests.length, manifest.pieces, 'and only once');
    await env.context.setOffline(true);
    const requestsOnline = pieceRequests.length;
    await typeQuery(page, search, 'export timesheets');
    await page.waitForFunction(
      (root) => [...document.querySelector(root).shadowRoot.querySelectorAll('.deflect-result-title')].some((t) => /export/i.test(t.textContent)),
      sel.root,
      { timeout: UI_TIMEOUT },
    );
    assert.equal(pieceRequests.length, requestsOnline, 'nothing fetched offline');
  });

  test('a missing piece (HTTP 404) is fetched twice, then search is unavailable and contact is offered', async () => {
    await page.route('**/*.piece', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }));
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page);
    await typeQuery(page, search, 'refund');
    await expectUnavailableWithContact(page);
    const counts = {};
    for (const p of pieceRequests) counts[p] = (counts[p] ?? 0) + 1;
    assert.ok(Object.keys(counts).length > 0);
    assert.ok(Object.values(counts).every((n) => n === 2), JSON.stringify(counts));
    assert.ok(consoleErrors.some((t) => /search unavailable.*HTTP 404/.test(t)), consoleErrors.join('\n'));
    assert.equal(await page.locator(sel.option).count(), 0);
  });

  test('a corrupt piece is refused by its hash: a good second copy is used, two bad ones leave contact', async () => {
    // First every piece arrives with one byte flipped, the retry brings the real one.
    const served = {};
    await page.route('**/*.piece', async (route) => {
      const key = name(route.request().url());
      served[key] = (served[key] ?? 0) + 1;
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      if (served[key] === 1 || alwaysCorrupt) body[body.length >> 1] ^= 0x40;
      return route.fulfill({ status: 200, contentType: 'application/octet-stream', body });
    });
    let alwaysCorrupt = false;
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page);
    await typeQuery(page, search, 'refund');
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    assert.match((await optionTitles(page)).join(' | '), /refund/i);
    const interactive = Object.keys(served);
    assert.ok(interactive.length > 0);
    await page.close();

    // Now every copy is corrupt.
    page = await env.context.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    alwaysCorrupt = true;
    for (const k of Object.keys(served)) delete served[k];
    await page.route('**/*.piece', async (route) => {
      const key = name(route.request().url());
      served[key] = (served[key] ?? 0) + 1;
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length >> 1] ^= 0x40;
      return route.fulfill({ status: 200, contentType: 'application/octet-stream', body });
    });
    await openHostPage(page, env.server.url);
    const { search: again } = await openPanel(page);
    await typeQuery(page, again, 'refund');
    await expectUnavailableWithContact(page);
    assert.ok(Object.values(served).every((n) => n === 2), JSON.stringify(served));
    assert.ok(consoleErrors.some((t) => /does not match its name/.test(t)), consoleErrors.join('\n'));
  });
});

describe('a new generation published while a page is open', () => {
  let env;
  let built;
  let kbCopy;

  before(async () => {
    built = siteWithKnowledgeBase(path.join(REPO, 'kb'), HOST);
    env = await startEnvironment({ site: built.site });
    kbCopy = mkdtempSync(path.join(tmpdir(), 'deflect-kb-'));
    cpSync(path.join(REPO, 'kb'), kbCopy, { recursive: true });
  });
  after(async () => {
    await stopEnvironment(env ?? {});
    if (built) rmSync(built.dir, { recursive: true, force: true });
    if (kbCopy) rmSync(kbCopy, { recursive: true, force: true });
  });

  test('the page keeps reading the generation it opened; a new page reads the new one', async () => {
    const kbOut = path.join(built.site, 'kb');
    const first = generationPieces(kbOut);
    const page = await env.context.newPage();
    const requested = [];
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => isPiece(r.url()) && requested.push(name(r.url())));
    // Pieces are held until the new generation is out, so the page fetches the rest of its
    // generation after the switch.
    let release;
    const released = new Promise((r) => (release = r));
    await page.route('**/*.piece', async (route) => {
      await released;
      return route.continue();
    });
    try {
      await openHostPage(page, env.server.url);
      const { search } = await openPanel(page);
      await typeQuery(page, search, 'refund');
      await page.waitForFunction((n) => n > 0, requested.length);
      // Publish generation 2: one article more, so every cold file changes.
      writeFileSync(
        path.join(kbCopy, 'generation-two-refunds.md'),
        '---\ntitle: Refund rules of generation two\ncategory: Billing\nsummary: Only in the second generation.\nupdated: 2026-03-25\n---\nRefund requests in generation two.\n',
      );
      execFileSync(DEFLECT, ['build', kbCopy, '--out', kbOut, '--quiet'], { stdio: 'pipe' });
      const second = generationPieces(kbOut);
      assert.ok([...second].some((p) => !first.has(p)), 'the new generation has new pieces');
      release();
      await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
      await typeQuery(page, search, 'refund rules generation');
      await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
      await typeQuery(page, search, 'export timesheets');
      await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
      const titles = await optionTitles(page);
      assert.ok(titles.every((t) => !/generation two/i.test(t)), titles.join(' | '));
      assert.ok(requested.length > 0);
      const foreign = requested.filter((p) => !first.has(p));
      assert.deepEqual(foreign, [], 'only pieces of the generation the page opened');
      assert.equal(await page.getAttribute(sel.root, 'data-deflect-state'), 'ready');
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close().catch(() => {});
    }

    // A page opened now reads generation 2.
    const fresh = await env.context.newPage();
    try {
      await openHostPage(fresh, env.server.url);
      const { search } = await openPanel(fresh);
      await typeQuery(fresh, search, 'refund rules generation two');
      await fresh.waitForFunction(
        (root) => [...document.querySelector(root).shadowRoot.querySelectorAll('.deflect-result-title')].some((t) => /generation two/i.test(t.textContent)),
        sel.root,
        { timeout: UI_TIMEOUT },
      );
    } finally {
      await fresh.close().catch(() => {});
    }
  });
});
