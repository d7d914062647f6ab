// Browser test: the real collector refuses a case as too large (413) and the widget takes
// that answer as final: it stops sending the case, keeps it in "Your requests", and offers
// e-mail. Before the collector drained refused bodies (issue 21) the 413 could arrive as a
// connection reset, which the widget would take as "collector down" and retry for ever.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UI_TIMEOUT, openHostPage, openPanel, startEnvironment, stopEnvironment } from './harness.mjs';

let env;
const data = mkdtempSync(path.join(tmpdir(), 'deflect-refusal-'));
before(async () => {
  // The demo page posts to the server it is served from; this one accepts 2 KB bodies.
  env = await startEnvironment({
    serverArgs: ['--database', path.join(data, 'collector.db'), '--rate-limit-per-second', '0', '--max-body-bytes', '2048'],
  });
});
after(async () => {
  await stopEnvironment(env ?? {});
  rmSync(data, { recursive: true, force: true });
});

test('a case the collector refuses as too large is not retried, stays listed, and e-mail is offered', async () => {
  const page = await env.context.newPage();
  const casePosts = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/v1/cases' && r.request().method() === 'POST') casePosts.push(r.status());
  });
  const failures = [];
  page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  try {
    await openHostPage(page, env.server.url);
    await openPanel(page);
    await page.click('.deflect-footer button.deflect-contact');
    await page.fill('#deflect-subject', 'The CSV export stops halfway');
    // Well within the wire format's 10,000 characters, over this collector's 2 KB body limit.
    await page.fill('#deflect-description', 'Row 4,812 of the timesheet export is cut short. '.repeat(80));
    await page.getByLabel('Something is broken').check();
    await page.click('button.deflect-submit');

    const ack = page.locator('.deflect-ack');
    await ack.locator('.deflect-delivery', { hasText: 'could not accept it' }).waitFor({ timeout: UI_TIMEOUT });
    await ack.locator('a.deflect-email-fallback').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const mailto = await ack.locator('a.deflect-email-fallback').getAttribute('href');
    assert.match(mailto, /^mailto:/);
    assert.match(decodeURIComponent(mailto), /The CSV export stops halfway/, 'the e-mail carries the case');

    // Stopped: the answer was read as a refusal, not a network error to retry.
    await new Promise((r) => setTimeout(r, 4_000));
    assert.deepEqual(casePosts, [413], `one POST, answered 413 (failed requests: ${failures.join('; ')})`);
    assert.deepEqual(failures.filter((f) => f.includes('/v1/cases')), []);

    // Kept: "Your requests" lists it as refused, with the e-mail way out.
    await page.keyboard.press('Escape');
    await page.click('button.deflect-close').catch(() => {});
    await openPanel(page);
    await page.click('button.deflect-requests-link');
    const item = page.locator('.deflect-request').first();
    await item.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.match(await item.locator('.deflect-request-subject').textContent(), /The CSV export stops halfway/);
    assert.match(await item.locator('.deflect-delivery').textContent(), /could not accept it/);
  } finally {
    await page.close();
  }
});
