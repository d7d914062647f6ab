// Browser tests of integrity: the widget checks each content-addressed file against the
// hash in its name before using it, and re-checks every link of an article before the
// article is inserted.
//
// A small knowledge base is built with the real `deflect build` into a temporary site that
// reuses the built widget. Then one article is republished the way only a hostile or
// careless publisher would: `javascript:` links added to its HTML after the build's
// sanitiser, the file renamed to its new hash, the name patched into the pack (same
// length), the pack's checksum recomputed and the pack renamed to its own new hash. Every
// file then matches its name, so only the widget's render-time check stands between those
// links and the customer.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { UI_TIMEOUT, contentName, sel, openHostPage, siteWithKnowledgeBase, browserSuite, openArticle } from './harness.mjs';

const HOSTILE_LINKS = `
<p id="hostile">Read <a id="js" href="javascript:window.__pwned='javascript link'">the refund policy</a>,
<a id="js-spaced" href="  JaVa&#9;Script:window.__pwned='spaced'">its summary</a>,
<a id="data" href="data:text/html,&lt;script&gt;parent.__pwned='data'&lt;/script&gt;">a copy</a>,
<a id="vb" href="vbscript:msgbox(1)">old</a> and
<a id="web" href="https://help.tallyboard.example/refunds">the help centre</a> or
<a id="mail" href="mailto:billing@tallyboard.example">write to billing</a>.</p>`;

function knowledgeBase() {
  const dir = mkdtempSync(path.join(tmpdir(), 'deflect-integrity-'));
  const kb = path.join(dir, 'kb-src', 'billing');
  mkdirSync(kb, { recursive: true });
  writeFileSync(path.join(kb, 'refunds.md'), `---
title: Refunds for annual plans
category: Billing
tags: [refund, money back]
summary: How refunds of annual plans work.
---

Refunds take five business days to reach your card.
`);
  writeFileSync(path.join(kb, 'vat.md'), `---
title: Adding your VAT number to invoices
category: Billing
tags: [vat, tax, invoice]
summary: Put your VAT number on every invoice.
---

Open **Settings → Billing** and enter your VAT number; new invoices show it.
`);
  const built = siteWithKnowledgeBase(path.join(dir, 'kb-src'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/widget/widget.css"></head>
<body><h1>Host</h1><div id="deflect-widget" data-index="/kb/manifest.json" data-contact="mailto:help@tallyboard.example"></div>
<script type="module">import init from "/widget/deflect-widget.js"; init({ module_or_path: "/widget/deflect-widget_bg.wasm" });</script></body></html>`);
  rmSync(dir, { recursive: true, force: true });
  return built;
}

/** The published HTML file (name and text) of the article whose HTML contains `text`. */
function articleFile(kbDir, text) {
  const name = readdirSync(path.join(kbDir, 'articles')).find((f) => f.endsWith('.html') && readFileSync(path.join(kbDir, 'articles', f), 'utf8').includes(text));
  assert.ok(name, `no published article contains "${text}"`);
  return { name, html: readFileSync(path.join(kbDir, 'articles', name), 'utf8') };
}

/** Replaces every occurrence of `from` in `bytes` by `to` (the same length); returns how many. */
function patch(bytes, from, to) {
  let n = 0;
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1), n++) to.copy(bytes, at);
  return n;
}

/**
 * Adds `extra` to the article containing `text`, renaming it, and republishes the pack
 * naming it (see the top): the article's file name is a stored field, so it sits in the
 * doc store's pieces (and maybe the hot part's slices). Each piece that names it is
 * patched and renamed after its new content, the hot part is patched to name the new
 * pieces and file, and gets a new checksum and name; every name keeps its length.
 */
function republishWith(kbDir, text, extra) {
  const { name, html } = articleFile(kbDir, text);
  const changed = Buffer.from(html + extra);
  const renamed = `${contentName(changed)}.html`;
  writeFileSync(path.join(kbDir, 'articles', renamed), changed);
  const manifest = JSON.parse(readFileSync(path.join(kbDir, 'manifest.json'), 'utf8'));
  const pack = readFileSync(path.join(kbDir, manifest.pack));
  const [from, to] = [Buffer.from(`articles/${name}`), Buffer.from(`articles/${renamed}`)];
  let patched = patch(pack, from, to);
  for (const piece of readdirSync(kbDir).filter((f) => f.endsWith('.piece'))) {
    const bytes = readFileSync(path.join(kbDir, piece));
    if (patch(bytes, from, to) === 0) continue;
    patched++;
    const newName = `kb.${contentName(bytes)}.piece`;
    writeFileSync(path.join(kbDir, newName), bytes);
    assert.ok(patch(pack, Buffer.from(piece), Buffer.from(newName)) > 0, `the pack does not list ${piece}`);
  }
  assert.ok(patched > 0, `neither the pack nor its pieces name articles/${name}`);
  pack.writeUInt32LE(crc32(pack.subarray(28)), 24); // header: magic, version, count, length, CRC-32 of the body
  manifest.pack = `kb.${contentName(pack)}.pack`;
  manifest.pack_bytes = pack.length;
  writeFileSync(path.join(kbDir, manifest.pack), pack);
  writeFileSync(path.join(kbDir, 'manifest.json'), JSON.stringify(manifest));
}

describe('integrity of what the widget fetches and inserts', () => {
  let env, built, page, consoleMessages;
  browserSuite({
    site: () => {
      const kb = knowledgeBase();
      republishWith(path.join(kb.site, 'kb'), 'Refunds take five', HOSTILE_LINKS);
      return kb;
    },
    bind: (s) => ({ env, built, page } = s),
    onPage: (page) => {
      consoleMessages = [];
      page.on('console', (m) => consoleMessages.push(m.text()));
    },
    checkPageErrors: false,
  });

  /** Serves the VAT article's file with changed bytes for its first `times` requests; returns the request count. */
  async function tamperWithVatArticle(times) {
    const { name, html } = articleFile(path.join(built.site, 'kb'), 'VAT number');
    const requests = { count: 0 };
    await page.route(`**/kb/articles/${name}`, (route) => {
      requests.count += 1;
      if (requests.count > times) return route.continue();
      return route.fulfill({ status: 200, contentType: 'text/html', body: html + '<p id="tampered">Send your card number to pay@evil.example</p>' });
    });
    return requests;
  }

  test('an article file whose bytes do not match its name is not inserted: the panel says so and offers contact', async () => {
    const requests = await tamperWithVatArticle(Infinity);
    await openHostPage(page, env.server.url);
    await openArticle(page, 'vat number', { title: 'Adding your VAT number' });
    const error = page.locator(`${sel.article} .deflect-error[role="alert"]`);
    await error.waitFor({ timeout: UI_TIMEOUT });
    assert.match(await error.textContent(), /could not be loaded \(articles\/[0-9a-f]{16}\.html does not match its content/);
    assert.equal(requests.count, 2, 'fetched once more after the first mismatch, then given up');
    assert.equal(await page.locator('#tampered').count(), 0);
    assert.equal(await page.locator('.deflect-article-body p:not(.deflect-error)').count(), 0, 'nothing of the file is shown');
    // Never a dead panel: the way to a human is right there.
    await page.click('.deflect-footer button.deflect-contact');
    await page.locator('#deflect-subject').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  });

  test('a copy corrupted once is fetched again and shown when the second copy is right', async () => {
    const requests = await tamperWithVatArticle(1);
    await openHostPage(page, env.server.url);
    await openArticle(page, 'vat number', { title: 'Adding your VAT number' });
    await page.locator('.deflect-article-body', { hasText: 'enter your VAT number' }).waitFor({ timeout: UI_TIMEOUT });
    assert.equal(requests.count, 2);
    assert.equal(await page.locator('#tampered').count(), 0);
  });

  test('links other than http(s) and mailto in a pack that passes every check are shown without their target', async () => {
    await openHostPage(page, env.server.url);
    await openArticle(page, 'refund', { title: 'Refunds for annual plans' });
    const hostile = page.locator('.deflect-article-body #hostile');
    await hostile.waitFor({ timeout: UI_TIMEOUT });
    const hrefs = await hostile.locator('a').evaluateAll((links) => Object.fromEntries(links.map((a) => [a.id, a.getAttribute('href')])));
    assert.deepEqual(hrefs, {
      js: null,
      'js-spaced': null,
      data: null,
      vb: null,
      web: 'https://help.tallyboard.example/refunds',
      mail: 'mailto:billing@tallyboard.example',
    });
    // The text stays readable; clicking what is left runs nothing.
    assert.equal((await hostile.locator('#js').textContent()).trim(), 'the refund policy');
    for (const id of ['js', 'js-spaced', 'data', 'vb']) await hostile.locator(`#${id}`).click();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
    assert.ok(consoleMessages.some((m) => /removed 4 links with a scheme other than http, https or mailto/.test(m)), consoleMessages.join('\n'));
  });
});
