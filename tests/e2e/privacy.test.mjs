// Browser tests of what the widget keeps about the customer and what leaves the browser:
// the page URL a case carries (no query or fragment by default), query text with
// data-query-text="none", contact drafts that expire after 7 days, and Deflect('reset') on
// sign-out (every key of the widget forgotten, undelivered cases still delivered).
//
// The host page is served by the real `deflect serve` through page.route (each test sets
// its own script tag); cases and events go to a collector stand-in on another port that
// records what it receives.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { LOAD_TIMEOUT, UI_TIMEOUT, sel, openHostPage, openPanel, browserSuite, searchFor } from './harness.mjs';

const DAY_MS = 86_400_000;

function startTestCollector() {
  // casesDown: cases are answered 503 (events still stored).
  const state = { cases: new Map(), events: new Map(), casesDown: false };
  const server = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type',
    };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const data = JSON.parse(body);
      if (req.url === '/v1/cases' && state.casesDown) return res.writeHead(503, cors).end('{}');
      if (req.url === '/v1/cases') state.cases.set(data.id, data);
      if (req.url === '/v1/events') for (const e of data.events) state.events.set(e.id, e);
      res.writeHead(req.url === '/v1/cases' ? 201 : 202, { ...cors, 'Content-Type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, state, close: () => new Promise((r) => server.close(r)) });
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

/** A host page embedding the widget with the loader, `attributes` on its script tag. */
function hostPage(attributes) {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` data-${k}="${v}"`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Privacy test</title>
<link rel="icon" href="data:,"></head><body><h1>Host</h1>
<script>window.Deflect=window.Deflect||function(){(Deflect.q=Deflect.q||[]).push(arguments)}</script>
<script async src="/widget/deflect.js" data-index="/kb/manifest.json" data-contact="mailto:help@tallyboard.example"${attrs}></script>
</body></html>`;
}

/** Serves the host page at `path` (query and fragment are the page's own) and opens it. */
async function gotoHostPage(page, env, attributes, path = 'privacy-test.html') {
  const base = `${env.server.url}privacy-test.html`;
  await page.route(`${base}*`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: hostPage(attributes) }));
  await openHostPage(page, `${env.server.url}${path}`);
}

/** The widget's keys in local and session storage, with their values parsed. */
const widgetStorage = (page) =>
  page.evaluate(() => {
    const read = (s) => Object.fromEntries(Object.keys(s).filter((k) => k.startsWith('deflect:')).map((k) => [k, JSON.parse(s.getItem(k))]));
    return { local: read(localStorage), session: read(sessionStorage) };
  });

const draft = (savedAgoMs, description) => ({
  journey_id: '',
  subject: 'Invoice total is wrong',
  description,
  email: 'ana@northwind.example',
  name: 'Ana Lima',
  category: 'billing_or_account',
  trail: {},
  saved_at_ms: Date.now() - savedAgoMs,
});

const record = (id, status, daysAgo = 1) => ({
  id,
  reference: `DF-${id.slice(0, 8).toUpperCase()}`,
  subject: `request ${id}`,
  created_at: new Date(Date.now() - daysAgo * DAY_MS).toISOString(),
  status,
});

/** What a signed-in customer leaves behind: a draft, two pages' outboxes (one case still undelivered), a session key. */
function seedTraces() {
  const undelivered = {
    id: 'case-undelivered-0001',
    journey_id: 'journey-0001',
    created_at: new Date().toISOString(),
    subject: 'Export stops at 99 %',
    description: 'Every time.',
    email: 'ana@northwind.example',
    customer_category: 'something_broken',
  };
  return {
    'deflect:v1:draft': draft(DAY_MS, 'my half-written complaint'),
    'deflect:v1:outbox:page-a': { requests: [record('case-sent-0001', 'sent'), record('case-sent-0002', 'emailed', 3)], written_ms: Date.now(), closed: true },
    'deflect:v1:outbox:page-b': {
      cases: [{ case: undelivered, next_attempt_ms: 0 }],
      requests: [record(undelivered.id, 'queued', 0)],
      written_ms: Date.now(),
      closed: true, // its page is gone: the next page adopts and delivers it
    },
    'deflect:v1:outbox': { requests: [record('case-old-widget-0001', 'sent', 10)], written_ms: 0 },
  };
}

async function seed(page, env, local, session = {}) {
  // Storage belongs to the origin: set it from a page of the origin before the widget's page.
  await page.route(`${env.server.url}seed.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>seed</title>' }));
  await page.goto(`${env.server.url}seed.html`);
  await page.evaluate(
    ([local, session]) => {
      localStorage.setItem('host:theme', 'dark');
      sessionStorage.setItem('host:tab', '3');
      for (const [k, v] of Object.entries(local)) localStorage.setItem(k, JSON.stringify(v));
      for (const [k, v] of Object.entries(session)) sessionStorage.setItem(k, JSON.stringify(v));
    },
    [local, session],
  );
}

describe('privacy in the browser', () => {
  let env, collector, page;
  browserSuite({
    setUp: async () => {
      collector = await startTestCollector();
    },
    tearDown: () => collector?.close(),
    bind: (s) => ({ env, page } = s),
    onPage: () => {
      collector.state.cases.clear();
      collector.state.events.clear();
      collector.state.casesDown = false;
    },
    checkPageErrors: false,
  });

  test('a case carries the page URL without its query string and fragment', async () => {
    await seed(page, env, { 'deflect:v1:draft': draft(60_000, 'The total counts VAT twice.') });
    await gotoHostPage(page, env, { collector: collector.url }, 'privacy-test.html?token=s3cr3t&email=ana%40northwind.example#invoice-7');
    await page.click(sel.launcher);
    // The saved draft reopens the form, complete: send it.
    await page.locator('#deflect-description').waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    assert.equal(await page.inputValue('#deflect-description'), 'The total counts VAT twice.');
    await page.click('button.deflect-submit');
    await waitUntil('the case reaches the collector', () => collector.state.cases.size === 1);
    const [kase] = [...collector.state.cases.values()];
    assert.equal(kase.context.page_url, `${env.server.url}privacy-test.html`);
    assert.ok(!JSON.stringify(kase).includes('s3cr3t'), JSON.stringify(kase));
  });

  test('with data-page-url="full" the case keeps the whole URL', async () => {
    await seed(page, env, { 'deflect:v1:draft': draft(60_000, 'The total counts VAT twice.') });
    const path = 'privacy-test.html?tab=invoices#invoice-7';
    await gotoHostPage(page, env, { collector: collector.url, 'page-url': 'full' }, path);
    await page.click(sel.launcher);
    await page.locator('button.deflect-submit').click({ timeout: LOAD_TIMEOUT });
    await waitUntil('the case reaches the collector', () => collector.state.cases.size === 1);
    assert.equal([...collector.state.cases.values()][0].context.page_url, `${env.server.url}${path}`);
  });

  test('data-query-text="none": the search events posted to the collector carry no query text', async () => {
    await gotoHostPage(page, env, { collector: collector.url, 'query-text': 'none' });
    await searchFor(page, 'my secret project codename');
    await page.click('button.deflect-close');
    const searches = () => [...collector.state.events.values()].filter((e) => e.type === 'search');
    await waitUntil('the search event reaches the collector', () => searches().length > 0);
    for (const e of searches()) assert.equal(e.query, undefined, JSON.stringify(e));
    assert.ok(!JSON.stringify([...collector.state.events.values()]).includes('secret'));
  });

  test('a contact draft older than 7 days is not restored and is removed; a newer one is', async () => {
    await seed(page, env, { 'deflect:v1:draft': draft(8 * DAY_MS, 'written eight days ago') });
    await gotoHostPage(page, env, {});
    await openPanel(page);
    assert.equal(await page.locator('#deflect-description').count(), 0, 'the contact form did not reopen');
    assert.equal((await widgetStorage(page)).local['deflect:v1:draft'], undefined, 'the expired draft is gone');

    await seed(page, env, { 'deflect:v1:draft': draft(6 * DAY_MS, 'written six days ago') });
    await gotoHostPage(page, env, {});
    await page.click(sel.launcher);
    const description = page.locator('#deflect-description');
    await description.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    assert.equal(await description.inputValue(), 'written six days ago');
  });

  test("Deflect('reset') forgets every key of the widget, keeps the page's own, and still delivers the undelivered case", async () => {
    collector.state.casesDown = true;
    await seed(page, env, seedTraces(), { 'deflect:v1:panel': { open: true } });
    await gotoHostPage(page, env, { collector: collector.url });
    await page.click(sel.launcher);
    // The draft reopens the form; "Your requests" lists the three pages' cases.
    await page.locator('#deflect-description').waitFor({ state: 'visible', timeout: LOAD_TIMEOUT });
    await page.locator('.deflect-requests-link', { hasText: '4' }).waitFor({ timeout: UI_TIMEOUT });

    await page.evaluate(() => window.Deflect('reset'));
    await page.locator(sel.panel).waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    // The case the customer was promised is still on its way.
    const { local: afterReset } = await widgetStorage(page);
    const queued = Object.values(afterReset).flatMap((o) => (o.cases ?? []).map((q) => q.case.id));
    assert.deepEqual(queued, ['case-undelivered-0001'], JSON.stringify(afterReset));
    collector.state.casesDown = false;
    await waitUntil('the undelivered case reaches the collector', () => collector.state.cases.has('case-undelivered-0001'), 30_000);
    // Delivered, nothing is left to keep.
    await waitUntil('no key of the widget holds anything personal', async () => {
      const { local, session } = await widgetStorage(page);
      const outboxes = Object.entries(local).filter(([k]) => k.startsWith('deflect:v1:outbox'));
      return (
        local['deflect:v1:draft'] === undefined &&
        Object.keys(session).length === 0 &&
        outboxes.every(([, o]) => (o.requests ?? []).length === 0 && (o.cases ?? []).length === 0)
      );
    });
    const { local } = await widgetStorage(page);
    assert.deepEqual(Object.keys(local).filter((k) => !k.startsWith('deflect:v1:outbox:')), [], JSON.stringify(local));
    assert.deepEqual(
      await page.evaluate(() => [localStorage.getItem('host:theme'), sessionStorage.getItem('host:tab')]),
      ['dark', '3'],
      "the host page's own keys stay",
    );
    // Opened again: the search screen, empty, and no requests listed.
    await page.click(sel.launcher);
    await page.locator(sel.search).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.inputValue(sel.search), '');
    assert.equal(await page.locator('.deflect-requests-link').count(), 0);
    assert.equal(await page.locator('#deflect-description').count(), 0);
  });

  test("Deflect('reset') before the app ever loaded: the loader forgets at once, undelivered cases stay for delivery", async () => {
    await seed(page, env, seedTraces(), { 'deflect:v1:panel': { open: true } });
    await gotoHostPage(page, env, { collector: collector.url });
    assert.equal(await page.getAttribute(sel.root, 'data-deflect-state'), 'idle', 'the app is not loaded');
    await page.evaluate(() => window.Deflect('reset'));
    const { local, session } = await widgetStorage(page);
    assert.deepEqual(session, {});
    assert.deepEqual(Object.keys(local), ['deflect:v1:outbox:page-b'], JSON.stringify(local));
    const kept = local['deflect:v1:outbox:page-b'];
    assert.deepEqual(kept.requests, []);
    assert.equal(kept.cases[0].case.id, 'case-undelivered-0001', 'the undelivered case waits for delivery');
  });
});
