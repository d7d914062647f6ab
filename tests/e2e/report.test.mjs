// Browser tests of what the deflection report relies on: a query typed while the index is
// still loading is recorded once it has been searched (never as a zero-result search); the
// widget tells the collector when its suggestions miss the query's most specific word; the
// /report dashboard passes axe-core, accounts for journeys without an outcome, shows a
// single day's deflection rate, and classifies cases from the keyboard; and what README
// says about the loader (its size, the host element's states) is what happens.
//
// Everything runs against the demo site and the real collector (`deflect serve --database
// … --report-token …`), used only with the keyboard.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { LOAD_TIMEOUT, REPO, SITE, TYPE_DELAY, UI_TIMEOUT, sel, assertNoAxeViolations, browserSuite } from './harness.mjs';

const TOKEN = 'e2e-report-token-0123456789';
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');

async function waitUntil(what, predicate, timeout = 15_000) {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeout) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The report as JSON, from the collector's API. */
async function report(env, query = '') {
  const r = await fetch(`${env.server.url}v1/report${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

/** What has keyboard focus, looking into the widget's shadow root. */
function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? { tag: el.tagName.toLowerCase(), cls: el.className, name: el.getAttribute('aria-label') ?? el.textContent.trim() } : null;
  });
}

const hostState = (page) => page.evaluate(() => document.getElementById('deflect-widget')?.dataset.deflectState);
const searchEvents = (page) => page.evaluate(() => window.deflectEvents.filter((e) => e.type === 'search'));

// Collects the widget's DOM events, and every value data-deflect-state takes, from the start.
const RECORDER = () => {
  window.deflectEvents = [];
  window.deflectStates = [];
  for (const type of ['search', 'article_viewed', 'feedback', 'handoff_started', 'case_submitted', 'journey_ended']) {
    document.addEventListener(`deflect:${type}`, (e) => window.deflectEvents.push(e.detail));
  }
  new MutationObserver((records) => {
    for (const r of records) {
      const value = r.target.getAttribute('data-deflect-state');
      if (window.deflectStates.at(-1) !== value) window.deflectStates.push(value);
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-deflect-state'] });
};

describe('what the deflection report relies on', () => {
  let env;
  let page;
  browserSuite({
    serverArgs: (database) => ['--database', database, '--rate-limit-per-second', '0', '--report-token', TOKEN],
    bind: (s) => ({ env, page } = s),
    onPage: (page) => page.addInitScript(RECORDER),
  });

  test('a query typed while the index is still loading is recorded once searched, never as zero results', async () => {
    // The pack takes 2.5 s to arrive, as on a slow connection.
    await page.route('**/*.pack', async (route) => {
      await new Promise((r) => setTimeout(r, 2_500));
      await route.continue();
    });
    await page.goto(env.server.url, { waitUntil: 'load' });
    await page.keyboard.press('Alt+Shift+H');
    await page.locator(sel.search).waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    await waitUntil('the search box has focus', async () => (await focused(page))?.cls.includes('deflect-search'), UI_TIMEOUT);
    assert.equal(await hostState(page), 'loading');
    assert.equal((await page.locator(sel.status).textContent()).trim(), 'Loading help articles…');

    await page.keyboard.type('refund', { delay: TYPE_DELAY });
    // Longer than the pause that settles a query, and still before the pack arrives.
    await page.waitForTimeout(1_300);
    assert.equal(await hostState(page), 'loading', 'the test must type while the index loads');
    assert.deepEqual(await searchEvents(page), [], 'nothing was searched yet, so no search is recorded');

    await page.locator(sel.option).first().waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    const shown = await page.locator(sel.option).count();
    // The live region announces what the index found for the text already typed.
    await waitUntil('the count is announced', async () => /\d+ articles?/.test(await page.locator(sel.status).textContent()), UI_TIMEOUT);
    assert.ok((await focused(page))?.cls.includes('deflect-search'), 'focus stays in the search box');
    await waitUntil('the query settles', async () => (await searchEvents(page)).length > 0);
    await page.waitForTimeout(1_200); // a late second event would show up here
    const searches = await searchEvents(page);
    assert.equal(searches.length, 1, JSON.stringify(searches));
    assert.equal(searches[0].query, 'refund');
    assert.equal(searches[0].results, shown);
    assert.ok(shown > 0);
    assert.equal(searches[0].good_answer, true);

    // What reaches the report: one search for "refund", no content gap.
    await page.keyboard.press('Escape'); // clears the box
    await page.keyboard.press('Escape'); // closes the panel, ending the journey
    await waitUntil('the collector has the search', async () => (await report(env)).totals.searches >= 1);
    const r = await report(env);
    assert.equal(r.totals.zero_result_searches, 0, JSON.stringify(r.totals));
    assert.deepEqual(r.top_queries.map((q) => [q.query, q.searches, q.zero_results]), [['refund', 1, 0]]);
  });

  test('a question the knowledge base does not cover is sent as "no good answer" despite its results', async () => {
    await page.goto(env.server.url, { waitUntil: 'load' });
    await page.keyboard.press('Alt+Shift+H');
    await page.locator(sel.search).waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    await waitUntil('the index is ready', async () => (await hostState(page)) === 'ready', LOAD_TIMEOUT);
    const gap = 'can I see my projects as a gantt chart';
    await page.keyboard.type(gap, { delay: 20 });
    await page.locator(sel.option).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await waitUntil('the query settles', async () => (await searchEvents(page)).some((e) => e.query === gap));
    const [event] = (await searchEvents(page)).filter((e) => e.query === gap);
    assert.ok(event.results > 0, 'it has suggestions…');
    assert.equal(event.good_answer, false, '…none of which is about gantt charts');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await waitUntil('the report lists it', async () => (await report(env)).no_good_answer_queries?.length > 0);
    const r = await report(env);
    assert.deepEqual(r.no_good_answer_queries.map((q) => [q.query, q.searches]), [[gap.toLowerCase(), 1]]);
    assert.ok(!r.zero_result_queries.some((q) => q.query === gap.toLowerCase()));
  });

  test('the dashboard passes axe, accounts for every journey, shows one day\'s rate, and classifies cases by keyboard', async () => {
    // One day of data: 11 journeys, 9 with an outcome (5 resolved, 2 escalated, 2
    // abandoned), 2 still open; the escalated ones sent cases.
    const day = '2026-11-23';
    const events = [];
    const cases = [];
    for (let j = 0; j < 11; j++) {
      const journey = `e2e-journey-${j}`;
      events.push({ id: `${journey}-1`, journey_id: journey, at: `${day}T09:00:0${j % 10}Z`, type: 'search', query: `question ${j}`, results: 3, top_articles: [], good_answer: true });
      const outcome = j < 5 ? 'resolved' : j < 7 ? 'escalated' : j < 9 ? 'abandoned' : null;
      if (outcome === 'escalated') {
        cases.push({
          id: `case${j}-e2e-0001`, journey_id: journey, created_at: `${day}T09:05:00Z`, subject: `Export stops at 1,000 rows (${j})`,
          email: 'ana@example.com', customer_category: 'how_do_i', trail: { queries: [`question ${j}`], articles: [] },
        });
      }
      if (outcome) events.push({ id: `${journey}-2`, journey_id: journey, at: `${day}T09:10:00Z`, type: 'journey_ended', outcome });
    }
    const post = (p, body) => fetch(`${env.server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('v1/events', { events })).status, 202);
    for (const c of cases) assert.equal((await post('v1/cases', c)).status, 201);

    // Sign in with the keyboard.
    const window = `?from=${day}&to=${day}`;
    await page.goto(`${env.server.url}report${window}`, { waitUntil: 'load' });
    await assertNoAxeViolations(page, 'the sign-in page');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).tag, 'input', 'the token field comes first');
    await page.keyboard.type(TOKEN);
    await Promise.all([page.waitForURL(/\/report$/), page.keyboard.press('Enter')]);
    await page.goto(`${env.server.url}report${window}`, { waitUntil: 'load' });

    await assertNoAxeViolations(page, '/report');
    const kpi = (label) => page.locator('.kpi div', { hasText: label }).locator('b').first().textContent();
    assert.equal(await kpi('journeys'), '11');
    assert.equal(await kpi('without an outcome'), '2', 'the 2 journeys the outcomes do not count');
    // One day: the deflection rate is a visible dot, labelled with its value.
    const dots = page.locator('svg circle.rate-point');
    assert.equal(await dots.count(), 1);
    const box = await dots.boundingBox();
    assert.ok(box && box.width >= 6 && box.height >= 6, `the dot is visible: ${JSON.stringify(box)}`);
    assert.ok((await page.locator('svg text', { hasText: '71.4%' }).count()) === 1, 'its value is written next to it');
    const chart = await page.locator('svg[role="img"]').first().getAttribute('aria-label');
    assert.match(chart, /2026-11-23: 5 resolved, 2 escalated, 2 abandoned, deflection rate 71\.4%/);

    // Classify the first case with the keyboard only: Tab to its category, pick, save.
    const select = page.getByRole('combobox', { name: "Vendor's category of DF-CASE5E2E" }).first();
    const label = await select.getAttribute('aria-label');
    for (let i = 0; i < 80 && (await focused(page))?.name !== label; i++) await page.keyboard.press('Tab');
    assert.equal((await focused(page))?.name, label, 'the category control is reachable by Tab');
    const caseId = await select.evaluate((s) => s.closest('tr').id.replace(/^case-/, ''));
    await page.keyboard.press('ArrowDown'); // "not classified yet" → "defect"
    assert.equal(await select.inputValue(), 'defect');
    await page.keyboard.press('Tab');
    assert.match((await focused(page)).name, /^Save the category of DF-CASE5E2E/);
    await Promise.all([page.waitForURL(/saved=/), page.keyboard.press('Enter')]);

    // Back on the report: the change is announced, named in the title, and counted.
    const status = page.locator('[role="status"]');
    assert.match(await status.textContent(), /^Saved: DF-CASE5E2E is classified as “defect”\.$/);
    assert.match(await page.title(), /^Saved DF-CASE5E2E/);
    assert.equal(new URL(page.url()).hash, `#case-${caseId}`);
    assert.equal(await page.locator(`#case-${caseId} select`).inputValue(), 'defect');
    const r = await report(env, window);
    assert.equal(r.totals.classified_cases, 1);
    assert.deepEqual(r.classification.filter((c) => c.vendor_category === 'defect').map((c) => [c.customer_category, c.cases]), [['how_do_i', 1]]);
    await assertNoAxeViolations(page, '/report after saving');

    // On a phone the page still passes.
    await page.setViewportSize({ width: 390, height: 844 });
    await assertNoAxeViolations(page, '/report on a phone');
  });

  test('README states the loader\'s measured size and the host element\'s real states', async () => {
    const loader = path.join(SITE, 'widget/deflect.js');
    const raw = statSync(loader).size;
    const brotli = brotliCompressSync(readFileSync(loader), { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
    const m = README.match(/`deflect\.js` is a hand-written loader of ([\d.]+) KB \(([\d.]+) KB brotli\)/);
    assert.ok(m, 'README states the loader size as "`deflect.js` is a hand-written loader of N KB (M KB brotli)"');
    // Within 10 %, so a small change to the loader does not demand a README edit.
    for (const [stated, measured, what] of [[Number(m[1]), raw / 1000, 'raw'], [Number(m[2]), brotli / 1000, 'brotli']]) {
      assert.ok(Math.abs(stated - measured) <= measured * 0.1, `README says ${stated} KB ${what}, measured ${measured.toFixed(2)} KB`);
    }

    // Opened at once: the loader fetches the app, the app starts idle, then loads the index.
    await page.goto(env.server.url, { waitUntil: 'load' });
    await page.keyboard.press('Alt+Shift+H');
    await waitUntil('the index is ready', async () => (await hostState(page)) === 'ready', LOAD_TIMEOUT);
    const opened = await page.evaluate(() => window.deflectStates);
    // Focusing the launcher (Tab) fetches the app but not the index.
    const preload = await env.context.newPage();
    await preload.addInitScript(RECORDER);
    await preload.goto(env.server.url, { waitUntil: 'load' });
    for (let i = 0; i < 20 && !(await focused(preload))?.cls.includes('deflect-launcher'); i++) await preload.keyboard.press('Tab');
    await waitUntil('the app is running', async () => (await preload.evaluate(() => window.deflectStates)).length >= 3, LOAD_TIMEOUT);
    await preload.waitForTimeout(500);
    const focusedOnly = await preload.evaluate(() => window.deflectStates);
    await preload.close();
    for (const [states, how] of [[opened, 'opening the panel'], [focusedOnly, 'focusing the launcher']]) {
      const written = states.map((s) => `\`${s}\``).join(' → ');
      assert.ok(README.includes(written), `README does not say what ${how} does: ${written}`);
    }
    assert.deepEqual(focusedOnly, ['idle', 'loading', 'idle']);
  });
});
