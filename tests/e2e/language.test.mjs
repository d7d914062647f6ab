// Browser test of a knowledge base in another language: the German fixture
// (tests/fixtures/kb-de, `language = "de"` in its deflect.toml) built with the real
// `deflect build`, opened by the real widget in German. The wasm analyzer follows the
// language the pack records: plurals and question words of German questions behave.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO, TYPE_DELAY, UI_TIMEOUT, openHostPage, openPanel, optionTitles, sel, siteWithKnowledgeBase, browserSuite } from './harness.mjs';

const HOST = `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Kundenportal</title></head>
<body><h1>Kundenportal</h1>
<script async src="/widget/deflect.js" data-index="/kb/manifest.json" data-collector="/"></script></body></html>`;

describe('a German knowledge base', () => {
  let env;
  let page;
  browserSuite({
    site: () => siteWithKnowledgeBase(path.join(REPO, 'tests/fixtures/kb-de'), HOST),
    bind: (s) => ({ env, page } = s),
  });

  test('German questions find German articles: plurals stem, question words are stop words', async () => {
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page, { label: 'Hilfe' });
    assert.equal(await search.getAttribute('placeholder'), 'Beschreiben Sie Ihr Problem, z. B. Passwort zurücksetzen');
    await search.focus();
    await page.keyboard.type('Wie kann ich meine Rechnungen herunterladen?', { delay: TYPE_DELAY });
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    await page.waitForFunction(
      () => document.querySelector('#deflect-widget').shadowRoot.querySelector('.deflect-result-title')?.textContent.includes('Rechnung'),
      null,
      { timeout: UI_TIMEOUT },
    );
    const titles = await optionTitles(page);
    assert.equal(titles[0], 'Rechnung als PDF herunterladen', `results: ${titles}`);
    // "Wie kann ich meine" matched nothing by itself, so it ranks nothing else above.
    const marked = await page.locator(`${sel.option} mark`).allTextContents();
    assert.ok(marked.some((m) => /^Rechnung/i.test(m)), `highlighted: ${marked}`);
    assert.ok(!marked.some((m) => /^(wie|kann|ich|meine)$/i.test(m)), `stop words highlighted: ${marked}`);

    // "die" is in the payment article's text; a German index knows it is a stop word.
    await search.fill('');
    await page.keyboard.type('die Rechnungen ', { delay: TYPE_DELAY });
    await page.locator(sel.option, { hasText: 'Rechnung als PDF' }).first().waitFor({ timeout: UI_TIMEOUT });
    await page.waitForTimeout(300);
    assert.deepEqual(await optionTitles(page), ['Rechnung als PDF herunterladen']);

    await search.fill('');
    await page.keyboard.type('Passwörter ', { delay: TYPE_DELAY });
    await page.locator(sel.option, { hasText: 'Passwort zurücksetzen' }).first().waitFor({ timeout: UI_TIMEOUT });
    assert.equal((await optionTitles(page))[0], 'Passwort zurücksetzen');
  });

  test('"Meinten Sie …?" writes the correction out with German endings', async () => {
    await openHostPage(page, env.server.url);
    const { search } = await openPanel(page, { label: 'Hilfe' });
    await search.focus();
    await page.keyboard.type('Zahlungsmetode ', { delay: TYPE_DELAY });
    const suggestion = page.locator('button.deflect-did-you-mean');
    await suggestion.waitFor({ timeout: UI_TIMEOUT });
    assert.match(await suggestion.textContent(), /Zahlungsmethode/);
    assert.match(await page.locator('.deflect-suggestion').textContent(), /^Meinten Sie/);
  });
});
