// Browser tests of the self-help journey: "Did this solve your problem?", the contact form
// and its handoff, the reply expectation, and delivery of cases and events that survives
// a collector outage and a reload.
//
// The widget runs on a host page served by the real `deflect serve` (the page itself is
// supplied per test through page.route, so each test sets its own configuration); cases
// and events go to a small collector stand-in on another port (so CORS and preflights are
// exercised) that can be switched to answering 503.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { DEFLECT, LOAD_TIMEOUT, UI_TIMEOUT, TYPE_DELAY, sel, openHostPage, openPanel, browserSuite, openArticle } from './harness.mjs';

// ---------------------------------------------------------------------------------------------
// A collector stand-in: stores cases and events by id, like the real one, and can be down.

function startTestCollector() {
  const state = { down: false, cases: new Map(), events: new Map(), casePosts: 0, caseStores: 0, beaconCases: 0 };
  const server = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Max-Age': '600',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const reply = (status, json) => res.writeHead(status, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify(json));
      if (req.url === '/v1/cases') state.casePosts += 1;
      // down: true refuses everything; 'json' only what is not a beacon (text/plain).
      const beacon = String(req.headers['content-type']).startsWith('text/plain');
      if (state.down === true || (state.down === 'json' && !beacon)) return reply(503, { field: '', message: 'down for maintenance' });
      let data;
      try {
        data = JSON.parse(body);
      } catch {
        return reply(400, { field: '', message: 'not JSON' });
      }
      if (req.method === 'POST' && req.url === '/v1/cases') {
        const created = !state.cases.has(data.id);
        if (created) {
          state.cases.set(data.id, data);
          state.caseStores += 1;
          if (beacon) state.beaconCases += 1;
        }
        return reply(created ? 201 : 200, { id: data.id, reference: 'DF-x', created });
      }
      if (req.method === 'POST' && req.url === '/v1/events') {
        for (const e of data.events) if (!state.events.has(e.id)) state.events.set(e.id, e);
        return reply(202, { accepted: data.events.length });
      }
      reply(404, { field: '', message: 'no such endpoint' });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({ url, state, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

async function waitUntil(what, predicate, timeout = 15_000) {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeout) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// A host page with the widget and a given configuration.

const SUPPORT = {
  time_zone: 'Europe/Berlin',
  hours: { 'mon-fri': '09:00-17:00' },
  holidays: ['2026-12-25'],
  response_targets: { default: '8h', team: '4h' },
  covers: 'We help with Tallyboard itself.',
};

function hostPage(settings) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Journey test</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/widget/widget.css"></head>
<body><h1>Host</h1>
<div id="deflect-widget" data-index="/kb/manifest.json" data-contact="mailto:help@tallyboard.example"></div>
<script type="application/json" id="deflect-config">${JSON.stringify(settings)}</script>
<script>
  // What the widget tells the host page, kept across reloads of this tab.
  window.deflectEvents = JSON.parse(sessionStorage.getItem('events') || '[]');
  for (const type of ['search', 'article_viewed', 'feedback', 'handoff_started', 'case_submitted', 'journey_ended']) {
    document.addEventListener('deflect:' + type, (e) => {
      window.deflectEvents.push(e.detail);
      sessionStorage.setItem('events', JSON.stringify(window.deflectEvents));
    });
  }
</script>
<script type="module">
  import init from "/widget/deflect-widget.js";
  init({ module_or_path: "/widget/deflect-widget_bg.wasm" });
</script></body></html>`;
}

async function gotoHostPage(page, env, settings) {
  const url = `${env.server.url}journey-test.html`;
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: hostPage(settings) }));
  await openHostPage(page, url);
  return url;
}

const hostEvents = (page) => page.evaluate(() => window.deflectEvents);

// ---------------------------------------------------------------------------------------------

describe('the self-help journey', () => {
  let env;
  let collector;
  let page;
  let pageErrors;
  browserSuite({
    setUp: async () => {
      collector = await startTestCollector();
    },
    tearDown: () => collector?.close(),
    bind: (s) => ({ env, page, pageErrors } = s),
    onPage: () => {
      Object.assign(collector.state, { down: false, cases: new Map(), events: new Map(), casePosts: 0, caseStores: 0, beaconCases: 0 });
    },
  });

  test('"Yes" records exactly one resolved outcome, to the host page and the collector', async () => {
    await gotoHostPage(page, env, { collector: collector.url, support: SUPPORT });
    const title = await openArticle(page, 'timer not syncing');
    await page.click('button.deflect-yes');
    await page.locator('.deflect-thanks').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    // Closing the panel afterwards must not add an "abandoned" outcome.
    await page.click('button.deflect-close');

    const events = await hostEvents(page);
    const ended = events.filter((e) => e.type === 'journey_ended');
    assert.deepEqual(ended.map((e) => e.outcome), ['resolved'], JSON.stringify(events));
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['search', 'article_viewed', 'feedback', 'journey_ended']);
    assert.equal(events[0].query, 'timer not syncing');
    assert.equal(events[2].helpful, true);
    assert.ok(events.every((e) => e.journey_id === events[0].journey_id), 'one journey');
    assert.ok(title.length > 0);

    await waitUntil('the collector has the journey', () => collector.state.events.size >= 4);
    const stored = [...collector.state.events.values()].filter((e) => e.journey_id === events[0].journey_id);
    assert.deepEqual(stored.filter((e) => e.type === 'journey_ended').map((e) => e.outcome), ['resolved']);
  });

  test('on the demo page, the real collector counts the resolved journey in its report', async () => {
    await openHostPage(page, env.server.url);
    await openArticle(page, 'reset password');
    await page.click('button.deflect-yes');
    await page.locator('.deflect-thanks').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const report = () => JSON.parse(execFileSync(DEFLECT, ['report', '--database', env.database, '--format', 'json'], { encoding: 'utf8' }));
    await waitUntil('the report counts the journey', () => report().totals.resolved === 1);
    const { totals } = report();
    assert.equal(totals.escalated, 0);
    assert.equal(totals.deflection_rate, 1);
    assert.ok(totals.searches >= 1, JSON.stringify(totals));
  });

  test('with query_text "none", the collector stores searches without their words', async () => {
    const report = () => JSON.parse(execFileSync(DEFLECT, ['report', '--database', env.database, '--format', 'json'], { encoding: 'utf8' }));
    const before = report();
    await gotoHostPage(page, env, { collector: '/', query_text: 'none' });
    await openArticle(page, 'my secret project codename');
    await page.click('button.deflect-close');
    await waitUntil('the report counts the search', () => report().totals.searches > before.totals.searches);
    const after = report();
    const words = JSON.stringify([after.top_queries, after.zero_result_queries]);
    assert.ok(!words.includes('secret'), `query text reached the collector: ${words}`);
    const events = await hostEvents(page);
    assert.equal(events.find((e) => e.type === 'search').query, undefined, 'no query text in the event');
  });

  test('"No" leads to a form prefilled with the query and the trail; the case arrives once with the classification', async () => {
    await gotoHostPage(page, env, {
      collector: collector.url,
      support: SUPPORT,
      identify: { email: 'ana@northwind.example', name: 'Ana Lima', plan: 'team' },
    });
    const title = await openArticle(page, 'export timesheet');
    await page.click('button.deflect-no');
    await page.locator('.deflect-reasons').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.getByLabel("didn't work").check();
    await page.click('.deflect-feedback button.deflect-contact');

    const subject = page.locator('#deflect-subject');
    await subject.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await subject.inputValue(), 'export timesheet');
    assert.equal(await page.inputValue('#deflect-email'), 'ana@northwind.example');
    assert.equal(await page.locator('#deflect-email').evaluate((e) => e.readOnly), false, 'not signed: the visitor may change it');
    assert.equal(await page.inputValue('#deflect-name'), 'Ana Lima');
    const trail = await page.locator('.deflect-trail li').allTextContents();
    assert.deepEqual(trail, ['Searched for “export timesheet”', trail[1]]);
    assert.match(trail[1], new RegExp(`^Read “${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}” \\(\\d+ s\\) — said it did not help \\(didn't work\\)$`));

    // Sending without a classification shows an inline error and keeps the text.
    await page.fill('#deflect-description', 'The CSV stops at 99 % every time.');
    await page.click('button.deflect-submit');
    const categoryError = page.locator('#deflect-category-error');
    await categoryError.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.getAttribute('.deflect-categories', 'aria-invalid'), 'true');
    assert.equal(collector.state.casePosts, 0, 'nothing is sent while the form is invalid');

    await page.getByLabel('Something is broken').check();
    await page.click('button.deflect-submit');
    const ack = page.locator('.deflect-ack');
    await ack.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const reference = (await ack.locator('.deflect-reference').textContent()).trim();
    assert.match(reference, /^DF-[0-9A-F]{8}$/);
    await page.locator('.deflect-ack .deflect-delivery', { hasText: 'Received' }).waitFor({ timeout: UI_TIMEOUT });

    assert.equal(collector.state.caseStores, 1);
    const [kase] = [...collector.state.cases.values()];
    assert.equal(`DF-${kase.id.replace(/[^0-9a-z]/gi, '').slice(0, 8).toUpperCase()}`, reference);
    assert.equal(kase.subject, 'export timesheet');
    assert.equal(kase.description, 'The CSV stops at 99 % every time.');
    assert.equal(kase.email, 'ana@northwind.example');
    assert.equal(kase.customer_category, 'something_broken');
    assert.deepEqual(kase.trail.queries, ['export timesheet']);
    assert.equal(kase.trail.articles.length, 1);
    assert.equal(kase.trail.articles[0].title, title);
    assert.equal(kase.trail.articles[0].helpful, false);
    assert.equal(kase.trail.articles[0].reason, 'did_not_work');
    assert.equal(kase.context.plan, 'team');
    assert.ok(kase.expected_reply_by, 'the promised reply time travels with the case');

    const events = await hostEvents(page);
    assert.deepEqual(
      events.map((e) => e.type),
      ['search', 'article_viewed', 'feedback', 'handoff_started', 'case_submitted', 'journey_ended'],
    );
    assert.equal(events.at(-1).outcome, 'escalated');
    assert.equal(events[4].case_id, kase.id);
  });

  test('a signed identify shows the e-mail as the account\'s and sends the signature; a later identify without one makes it a typed field again', async () => {
    const signature = 'ab'.repeat(32);
    const settings = { collector: collector.url, identify: { user_id: 'u-1042', email: 'ana@northwind.example', plan: 'team', signature } };
    const sendCase = async (subject) => {
      await page.fill('#deflect-subject', subject);
      await page.getByLabel('Billing or account').check();
      await page.click('button.deflect-submit');
      await page.locator('.deflect-ack').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    };
    await gotoHostPage(page, env, settings);
    await openPanel(page);
    await page.click('.deflect-footer button.deflect-contact');
    const email = page.locator('#deflect-email');
    await email.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await email.inputValue(), 'ana@northwind.example');
    assert.equal(await email.evaluate((e) => e.readOnly), true, 'signed: read-only');
    assert.equal(await email.getAttribute('aria-describedby'), 'deflect-email-account');
    assert.equal((await page.textContent('#deflect-email-account')).trim(), "From your account: we'll reply to this address.");
    await sendCase('Change my billing address');
    await waitUntil('the signed case arrives', () => collector.state.caseStores === 1, 30_000);
    const [signed] = [...collector.state.cases.values()];
    assert.equal(signed.email, 'ana@northwind.example');
    assert.deepEqual(
      [signed.context.user_id, signed.context.plan, signed.context.identity_signature],
      ['u-1042', 'team', signature],
      'the widget forwards the signature untouched with the values it was computed over',
    );

    // The page then names another address without a signature: the earlier one does not
    // vouch for it, so the form asks like for any visitor and the case goes unsigned.
    await gotoHostPage(page, env, settings);
    await openPanel(page);
    // What the loader's Deflect('identify', …) dispatches (this page embeds without it).
    await page.evaluate(() => document.getElementById('deflect-widget').dispatchEvent(
      new CustomEvent('deflect:command', { detail: { name: 'identify', args: [{ email: 'bo@example.com' }] } }),
    ));
    await page.click('.deflect-footer button.deflect-contact');
    await email.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await email.inputValue(), 'bo@example.com');
    assert.equal(await email.evaluate((e) => e.readOnly), false);
    assert.equal(await page.locator('#deflect-email-account').count(), 0);
    await email.fill('bo@work.example');
    await sendCase('Another question');
    await waitUntil('the unsigned case arrives', () => collector.state.caseStores === 2, 30_000);
    const unsigned = [...collector.state.cases.values()].find((c) => c.subject === 'Another question');
    assert.equal(unsigned.email, 'bo@work.example');
    assert.equal(unsigned.context.identity_signature, undefined);
  });

  test('a case submitted while the collector is down survives a reload and arrives exactly once', async () => {
    collector.state.down = true;
    const url = await gotoHostPage(page, env, { collector: collector.url, identify: { email: 'bo@example.com' } });
    await openPanel(page);
    await page.click('.deflect-footer button.deflect-contact');
    await page.fill('#deflect-subject', 'Invoices show the wrong currency');
    await page.getByLabel('Billing or account').check();
    await page.click('button.deflect-submit');
    await page.locator('.deflect-ack .deflect-delivery', { hasText: 'Saved on this device' }).waitFor({ timeout: UI_TIMEOUT });
    const reference = (await page.textContent('.deflect-ack .deflect-reference')).trim();
    assert.ok(collector.state.casePosts >= 1, 'the widget tried to send it');
    assert.equal(collector.state.caseStores, 0);

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(`${sel.root}[data-deflect-state]`, { state: 'attached', timeout: LOAD_TIMEOUT });
    collector.state.down = false;
    // Delivery resumes on page load, without opening the panel.
    await waitUntil('the case arrives', () => collector.state.caseStores === 1, 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(collector.state.caseStores, 1, 'stored once');
    assert.equal(collector.state.cases.size, 1);
    assert.equal([...collector.state.cases.values()][0].subject, 'Invoices show the wrong currency');

    // "Your requests" lists it as received, under the same reference.
    await openPanel(page);
    await page.click('button.deflect-requests-link');
    const item = page.locator('.deflect-request').first();
    await item.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal((await item.locator('.deflect-reference').textContent()).trim(), reference);
    assert.match(await item.locator('.deflect-delivery').textContent(), /Received/);
    assert.ok(url);
  });

  test('with local storage full, cases are still delivered: at once, or by beacon as the page goes away', async () => {
    await page.addInitScript(() => {
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key, value) {
        if (String(key).startsWith('deflect')) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return setItem.call(this, key, value);
      };
    });
    const submit = async (subject) => {
      await openPanel(page);
      await page.click('.deflect-footer button.deflect-contact');
      await page.fill('#deflect-subject', subject);
      await page.getByLabel('Billing or account').check();
      await page.click('button.deflect-submit');
    };
    await gotoHostPage(page, env, { collector: collector.url, identify: { email: 'bo@example.com' } });
    await submit('Storage is full but the collector is up');
    await waitUntil('the case arrives', () => collector.state.caseStores === 1, 15_000);

    // The collector now refuses normal posts: the case cannot be stored and cannot be sent,
    // the customer is told so (with e-mail at hand), and leaving the page beacons it.
    collector.state.down = 'json';
    await page.reload({ waitUntil: 'load' });
    await submit('Storage is full and the collector is down');
    const delivery = page.locator('.deflect-ack .deflect-delivery', { hasText: 'cannot store it' });
    await delivery.waitFor({ timeout: UI_TIMEOUT });
    await page.locator('.deflect-ack a.deflect-email-fallback').waitFor({ timeout: UI_TIMEOUT });
    assert.equal(collector.state.caseStores, 1);
    await page.goto('about:blank');
    await waitUntil('the beaconed case arrives', () => collector.state.caseStores === 2, 15_000);
    assert.equal(collector.state.beaconCases, 1);
    assert.deepEqual([...collector.state.cases.values()].map((c) => c.subject).sort(), [
      'Storage is full and the collector is down',
      'Storage is full but the collector is up',
    ]);
  });

  test('two tabs queue and flush at once: every case and event arrives once, and what gone pages left is adopted', async () => {
    // Local storage has no transactions across tabs (Chromium lost 87 of 1,000 read-modify-
    // writes two tabs made to one key), so each page writes only its own outbox.
    const now = Date.now();
    const queued = (id, subject) => ({
      case: {
        id, journey_id: `journey-${id}`, created_at: new Date(now - 60_000).toISOString(), subject,
        description: '', email: 'bo@example.com', customer_category: 'billing_or_account',
        trail: { queries: [], articles: [] },
      },
      next_attempt_ms: 0,
    });
    const outbox = (id, subject, extra) => JSON.stringify({
      cases: [queued(id, subject)],
      requests: [{ id, reference: 'DF-' + id.slice(-8).toUpperCase(), subject, created_at: new Date(now - 60_000).toISOString(), status: 'queued' }],
      ...extra,
    });
    const leftovers = {
      // An older widget's one shared outbox, a crashed page's (silent for 11 minutes) and a
      // live page's in another tab (written just now: not ours to send).
      'deflect:v1:outbox': outbox('case-left-shared-0001', 'Left in the shared outbox'),
      'deflect:v1:outbox:crashed-page': outbox('case-left-crashed-0001', 'Left by a crashed page', { written_ms: now - 11 * 60_000 }),
      'deflect:v1:outbox:live-page': outbox('case-live-elsewhere-0001', 'Queued by a live page', { written_ms: now + 3_600_000 }),
    };
    collector.state.down = true;
    const settings = { collector: collector.url, identify: { email: 'bo@example.com' } };
    await gotoHostPage(page, env, settings);
    await page.evaluate((items) => {
      localStorage.clear();
      for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v);
    }, leftovers);
    const second = await env.context.newPage();
    second.on('pageerror', (e) => pageErrors.push(e));
    try {
      await page.reload({ waitUntil: 'load' });
      await gotoHostPage(second, env, settings);
      // Both tabs search and submit a case at the same moment, with the collector down.
      const journey = async (p, subject) => {
        await openArticle(p, 'invoice currency');
        await p.click('button.deflect-no');
        await p.locator('.deflect-reasons').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
        await p.click('.deflect-feedback button.deflect-contact');
        // As a person would: the form first shows the query as the subject, then they change it.
        await waitUntil('the subject is prefilled with the query', async () => (await p.inputValue('#deflect-subject')) === 'invoice currency');
        await p.fill('#deflect-subject', subject);
        await p.getByLabel('Billing or account').check();
        await p.click('button.deflect-submit');
        await p.locator('.deflect-ack .deflect-delivery', { hasText: 'Saved on this device' }).waitFor({ timeout: UI_TIMEOUT });
      };
      await Promise.all([journey(page, 'Submitted in the first tab'), journey(second, 'Submitted in the second tab')]);
      const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('outbox')).sort());
      assert.equal(keys.filter((k) => !Object.keys(leftovers).includes(k)).length, 2, `one outbox per tab: ${keys}`);
      assert.ok(keys.includes('deflect:v1:outbox:live-page'), 'a live page keeps its outbox');
      assert.ok(!keys.includes('deflect:v1:outbox') && !keys.includes('deflect:v1:outbox:crashed-page'), `adopted: ${keys}`);

      collector.state.down = false;
      const expected = ['Left by a crashed page', 'Left in the shared outbox', 'Submitted in the first tab', 'Submitted in the second tab'];
      await waitUntil('every case arrives', () => collector.state.caseStores >= expected.length, 45_000);
      const events = [...(await hostEvents(page)), ...(await hostEvents(second))];
      await waitUntil('every event the tabs dispatched arrives', () => events.every((e) => collector.state.events.has(e.id)), 45_000);
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(collector.state.caseStores, expected.length, 'each case stored once');
      assert.deepEqual([...collector.state.cases.values()].map((c) => c.subject).sort(), expected);
      assert.ok(events.filter((e) => e.type === 'case_submitted').length === 2, JSON.stringify(events.map((e) => e.type)));

      // "Your requests" in either tab lists every case of this browser, the other tab's too.
      await second.close();
      await page.click('button.deflect-close');
      await openPanel(page);
      await page.click('button.deflect-requests-link');
      const items = page.locator('.deflect-request');
      await waitUntil('five requests are listed', async () => (await items.count()) === 5);
      const listed = await items.evaluateAll((els) => els.map((el) => [el.querySelector('.deflect-request-subject').textContent, el.querySelector('.deflect-delivery').textContent]));
      for (const subject of expected) {
        assert.match(listed.find(([s]) => s === subject)?.[1] ?? 'missing', /Received/, `${subject}: ${JSON.stringify(listed)}`);
      }
      assert.doesNotMatch(listed.find(([s]) => s === 'Queued by a live page')[1], /Received/);
    } finally {
      await second.close().catch(() => {});
    }
  });

  test('the typed draft survives a reload', async () => {
    await gotoHostPage(page, env, { collector: collector.url });
    await openPanel(page);
    await page.click('.deflect-footer button.deflect-contact');
    await page.fill('#deflect-subject', 'Cannot add a second workspace');
    await page.fill('#deflect-description', 'It says my plan does not allow it.');
    await page.fill('#deflect-email', 'not-an-address');
    await page.click('button.deflect-submit');
    await page.locator('#deflect-email-error').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.getAttribute('#deflect-email', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'deflect-email', 'focus moves to the first error');

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(`${sel.root}[data-deflect-state]`, { state: 'attached', timeout: LOAD_TIMEOUT });
    await page.click(sel.launcher);
    await page.locator('#deflect-subject').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.inputValue('#deflect-subject'), 'Cannot add a second workspace');
    assert.equal(await page.inputValue('#deflect-description'), 'It says my plan does not allow it.');
    assert.equal(await page.inputValue('#deflect-email'), 'not-an-address');
  });

  test('text erased with Escape is neither searched nor the contact subject', async () => {
    await gotoHostPage(page, env, { collector: collector.url });
    const { search } = await openPanel(page);
    await search.focus();
    // Typed and erased before it settled: it was never the customer's question.
    await page.keyboard.type('my card is 4111 1111', { delay: TYPE_DELAY });
    await page.keyboard.press('Escape');
    assert.equal(await search.inputValue(), '');
    await page.click('.deflect-footer button.deflect-contact');
    const subject = page.locator('#deflect-subject');
    await subject.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await subject.inputValue(), '', 'the erased text does not come back as the subject');
    const events = await hostEvents(page);
    assert.deepEqual(events.filter((e) => e.type === 'search'), [], JSON.stringify(events));
    assert.deepEqual(events.map((e) => e.type), ['handoff_started']);
  });

  test('a saved draft resumed after a reload starts the handoff of the new journey', async () => {
    await gotoHostPage(page, env, { collector: collector.url });
    await openPanel(page);
    await page.click('.deflect-footer button.deflect-contact');
    await page.fill('#deflect-description', 'The export button does nothing.');
    const before = (await hostEvents(page)).filter((e) => e.type === 'handoff_started');
    assert.equal(before.length, 1);

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(`${sel.root}[data-deflect-state]`, { state: 'attached', timeout: LOAD_TIMEOUT });
    await page.click(sel.launcher);
    await page.locator('#deflect-description').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.inputValue('#deflect-description'), 'The export button does nothing.');
    const handoffs = (await hostEvents(page)).filter((e) => e.type === 'handoff_started');
    assert.equal(handoffs.length, 2, JSON.stringify(handoffs));
    assert.notEqual(handoffs[1].journey_id, handoffs[0].journey_id, 'the resumed form belongs to the new journey');
  });

  const clocks = [
    {
      name: 'inside support hours (Monday 10:00 CET)',
      at: '2026-11-23T09:00:00Z',
      text: "We're online now; expect a reply by today 14:00 CET.",
    },
    {
      name: 'outside support hours (Friday 18:00 CET)',
      at: '2026-11-27T17:00:00Z',
      text: "We're offline until Monday 09:00 CET; expect a reply by Monday 13:00 CET.",
    },
    // The widget has no time-zone database: it takes Europe/Berlin's rules from the
    // browser (Intl), so DST must come out right without one.
    {
      name: 'across the change to summer time (Friday 27 March 16:00 CET)',
      at: '2026-03-27T15:00:00Z',
      text: "We're online now; expect a reply by Monday 12:00 CEST.",
    },
    {
      name: 'in summer time (Monday 6 July 10:00 CEST)',
      at: '2026-07-06T08:00:00Z',
      text: "We're online now; expect a reply by today 14:00 CEST.",
    },
    {
      name: 'with the zone given by its rules only, across the change back (Friday 23 October 16:00 CEST)',
      at: '2026-10-23T14:00:00Z',
      support: { ...SUPPORT, time_zone: 'Tallyboard/Office', time_zone_rules: 'CET-1CEST,M3.5.0,M10.5.0/3' },
      text: "We're online now; expect a reply by Monday 12:00 CET.",
    },
  ];
  for (const clock of clocks) {
    test(`the reply expectation is right ${clock.name}`, async () => {
      await page.clock.setFixedTime(new Date(clock.at));
      const support = clock.support ?? SUPPORT;
      await gotoHostPage(page, env, { collector: collector.url, support, identify: { plan: 'team' } });
      await openPanel(page);
      await page.click('.deflect-footer button.deflect-contact');
      const expectation = page.locator('.deflect-form .deflect-expectation');
      await expectation.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.equal((await expectation.textContent()).trim(), clock.text);
      assert.equal((await page.textContent('.deflect-covers')).trim(), SUPPORT.covers);

      // The acknowledgement repeats it.
      await page.fill('#deflect-subject', 'Question about hours');
      await page.fill('#deflect-email', 'cy@example.com');
      await page.getByLabel('How do I…').check();
      await page.click('button.deflect-submit');
      const ack = page.locator('.deflect-ack .deflect-expectation');
      await ack.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.equal((await ack.textContent()).trim(), clock.text);
    });
  }

  test('without a collector, the request goes by e-mail and still counts as escalated', async () => {
    await gotoHostPage(page, env, {});
    await openPanel(page);
    await page.click('.deflect-footer button.deflect-contact');
    await page.fill('#deflect-subject', 'Offline question');
    await page.fill('#deflect-email', 'di@example.com');
    await page.getByLabel('Feature request').check();
    assert.match(await page.textContent('button.deflect-submit'), /e-mail/);
    await page.click('button.deflect-submit');
    await page.locator('.deflect-ack .deflect-delivery', { hasText: 'e-mail program' }).waitFor({ timeout: UI_TIMEOUT });
    const events = await hostEvents(page);
    assert.deepEqual(events.filter((e) => e.type === 'journey_ended').map((e) => e.outcome), ['escalated']);
    assert.equal(collector.state.casePosts, 0);
  });
});
