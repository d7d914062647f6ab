// Browser tests of injection: a knowledge base full of script payloads, customer text that
// looks like markup, and the collector's dashboard showing what customers typed. Every
// payload sets window.__pwned (or the dashboard's equivalent); nothing may set it.
//
// The hostile knowledge base is built with the real `deflect build` into a temporary site
// that reuses the built widget (dist/site/widget), and served by the real `deflect serve`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UI_TIMEOUT, openHostPage, openPanel, siteWithKnowledgeBase, browserSuite, searchFor } from './harness.mjs';

const PAYLOADS = `
<script>window.__pwned = 'script'</script>
<img src="x" onerror="window.__pwned = 'img onerror'">
<a href="javascript:window.__pwned = 'javascript link'">Click for details</a>
<a href="#" onclick="window.__pwned = 'onclick'">Also click</a>
<svg onload="window.__pwned = 'svg onload'"><script>window.__pwned = 'svg script'</script></svg>
<iframe src="javascript:parent.__pwned = 'iframe'"></iframe>
<object data="javascript:window.__pwned = 'object'"></object>
<style>* { background: red !important } </style>
<p style="background: url(javascript:window.__pwned='css')">Styled paragraph</p>
<form action="javascript:window.__pwned='form'"><button>Submit</button></form>
<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'">
`;

function hostileSite() {
  const dir = mkdtempSync(path.join(tmpdir(), 'deflect-injection-'));
  const kb = path.join(dir, 'kb-src', 'hostile');
  mkdirSync(kb, { recursive: true });
  writeFileSync(path.join(kb, 'payloads.md'), `---
title: "Exporting <img src=x onerror=\\"window.__pwned='title'\\"> invoices"
category: "<script>window.__pwned='category'</script>Billing"
tags: [export, invoices]
summary: "Export <b onmouseover=\\"window.__pwned='summary'\\">invoices</b> to CSV."
---

How to export invoices to CSV and PDF.

${PAYLOADS}

[Markdown javascript link](javascript:window.__pwned='md link')
`);
  writeFileSync(path.join(kb, 'plain.md'), `---
title: Export invoices to PDF
category: Billing
tags: [export, pdf]
summary: Download invoices as PDF files.
---

Open **Invoices**, choose the invoices and click **Download PDF**.
`);
  const built = siteWithKnowledgeBase(path.join(dir, 'kb-src'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head>
<body><h1>Host</h1>
<script async src="/widget/deflect.js" data-index="/kb/manifest.json" data-collector="/"></script></body></html>`);
  rmSync(dir, { recursive: true, force: true });
  return built;
}

describe('nothing injected runs', () => {
  let env;
  let page;
  let dialogs;
  browserSuite({
    site: hostileSite,
    bind: (s) => ({ env, page } = s),
    onPage: (page) => {
      dialogs = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });
    },
    checkPageErrors: false,
  });

  const pwned = () => page.evaluate(() => window.__pwned ?? null);

  test('hostile article HTML, titles and summaries render inert', async () => {
    await openHostPage(page, env.server.url);
    const { option: hit } = await searchFor(page, 'export invoices', { title: 'Exporting' });
    // The markup in the title is shown as text, not parsed.
    assert.match(await hit.locator('.deflect-result-title').textContent(), /<img src=x/);
    await hit.hover();
    await hit.click();
    const body = page.locator('.deflect-article-body').first();
    await body.waitFor({ timeout: UI_TIMEOUT });
    await page.locator('.deflect-article-body', { hasText: 'How to export' }).waitFor({ timeout: UI_TIMEOUT });
    // Click everything clickable in the article body, then give handlers a moment.
    const links = body.locator('a, button');
    for (let i = 0; i < (await links.count()); i++) await links.nth(i).click({ timeout: 1000 }).catch(() => {});
    await page.mouse.move(10, 10);
    await page.waitForTimeout(500);
    assert.equal(await pwned(), null);
    assert.deepEqual(dialogs, []);
    const dangerous = await page.evaluate(() => {
      const root = document.getElementById('deflect-widget').shadowRoot;
      const body = root.querySelector('.deflect-article-body');
      return {
        scripts: body.querySelectorAll('script, iframe, object, embed, style, form, svg').length,
        handlers: [...body.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name)),
        jsUrls: [...body.querySelectorAll('[href], [src], [action]')].map((el) => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action')).filter((u) => /^\s*javascript:/i.test(u)),
        styles: body.querySelectorAll('[style]').length,
      };
    });
    assert.deepEqual(dangerous, { scripts: 0, handlers: [], jsUrls: [], styles: 0 });
  });

  test('markup typed by the customer stays text, in search and in the contact form', async () => {
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page);
    const payload = `<img src=x onerror="window.__pwned='typed'"><script>window.__pwned='typed script'</script>`;
    await search.fill(payload);
    await page.waitForTimeout(300);
    await page.click('.deflect-footer button.deflect-contact');
    await page.locator('#deflect-subject').waitFor({ timeout: UI_TIMEOUT });
    assert.equal(await page.inputValue('#deflect-subject'), payload, 'the subject keeps the text as typed');
    await page.fill('#deflect-description', payload);
    await page.fill('#deflect-email', 'x@example.com');
    await page.getByLabel('Something is broken').check();
    // The trail shows the query as text.
    assert.match(await page.locator('.deflect-trail').textContent(), /<img src=x/);
    await page.click('button.deflect-submit');
    await page.locator('.deflect-ack').waitFor({ timeout: UI_TIMEOUT });
    await page.click('.deflect-footer .deflect-requests-link');
    await page.locator('.deflect-request-subject').first().waitFor({ timeout: UI_TIMEOUT });
    assert.equal(await page.locator('.deflect-request-subject').first().textContent(), payload);
    await page.waitForTimeout(300);
    assert.equal(await pwned(), null);
    assert.equal(
      await page.evaluate(() => document.getElementById('deflect-widget').shadowRoot.querySelectorAll('.deflect-panel img, .deflect-panel script').length),
      0,
    );
  });
});
