// Browser tests of the widget as a keyboard and screen-reader user meets it, on the demo
// page served by the real `deflect serve` (with its collector): the launcher keeps focus
// when the app replaces the loader's stand-in; every change of view inside the dialog puts
// focus on a meaningful element and says so in the panel's live region; Escape steps back
// from every view and out, returning focus to the launcher; axe-core finds nothing in any
// state. Also: the host element takes no part in the page's layout or styling; on a phone
// the reasons after "No" come into view, list bullets sit on the first line of wrapped
// suggestions and the footer's targets are at least 44 px high; and the pointer entering
// the launcher starts loading the app before any click.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { LOAD_TIMEOUT, REPO, TYPE_DELAY, UI_TIMEOUT, sel, assertNoAxeViolations, browserSuite, waitReady } from './harness.mjs';

const PHONE = { width: 360, height: 740 };

// ---------------------------------------------------------------------------------------------
// Focus and announcements, read through the loader's shadow root.

/** What has focus: `host` when the page's focus is on the widget's host element, and the
 *  focused element inside the widget as tag#id.classes. */
function focused(page) {
  return page.evaluate(() => {
    const host = document.getElementById('deflect-widget');
    const describe = (el) =>
      el ? el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + [...el.classList].map((c) => `.${c}`).join('') : 'nothing';
    const outer = document.activeElement;
    return `${outer === host ? 'host' : describe(outer)} > ${describe(host?.shadowRoot?.activeElement)}`;
  });
}

/** Waits until the focused element inside the widget matches `selector` (the page's focus
 *  being on the host element); fails naming `step` and what has focus instead. */
async function expectFocus(page, selector, step) {
  const ok = await page
    .waitForFunction(
      (s) => {
        const host = document.getElementById('deflect-widget');
        return document.activeElement === host && !!host.shadowRoot.activeElement?.matches(s);
      },
      selector,
      { timeout: UI_TIMEOUT, polling: 20 },
    )
    .then(() => true, () => false);
  assert.ok(ok, `${step}: focus should be on ${selector}, but is on ${await focused(page)}`);
}

/** Waits until the panel's live region says something containing `text`. */
async function expectAnnounced(page, text, step) {
  const region = () =>
    page.evaluate(() => {
      const r = document.getElementById('deflect-widget').shadowRoot.querySelector('.deflect-panel [role="status"][aria-live].deflect-announcer');
      return r ? r.textContent : null;
    });
  const ok = await page
    .waitForFunction(
      (t) => document.getElementById('deflect-widget').shadowRoot.querySelector('.deflect-panel .deflect-announcer')?.textContent.includes(t),
      text,
      { timeout: UI_TIMEOUT, polling: 20 },
    )
    .then(() => true, () => false);
  assert.ok(ok, `${step}: the live region should announce "${text}", but says ${JSON.stringify(await region())}`);
}

/** Presses Tab until the focused element inside the widget matches `selector`; every step
 *  must stay inside the dialog. */
async function tabTo(page, selector, step) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate((s) => {
      const a = document.getElementById('deflect-widget').shadowRoot.activeElement;
      return { match: !!a?.matches(s), inside: !!a?.closest('.deflect-panel') };
    }, selector);
    assert.ok(where.inside, `${step}: Tab #${i + 1} left the dialog (focus on ${await focused(page)})`);
    if (where.match) return;
  }
  assert.fail(`${step}: 40 presses of Tab never reached ${selector}`);
}

/** From the top of the page, Tab until the launcher has focus. */
async function tabToLauncher(page) {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => !!document.getElementById('deflect-widget')?.shadowRoot?.activeElement?.matches('button.deflect-launcher'))) return;
  }
  assert.fail(`30 presses of Tab never reached the launcher (focus on ${await focused(page)})`);
}

/** Waits until the app's launcher has replaced the loader's stand-in. */
async function waitForAppSwap(page) {
  await page.waitForFunction(
    () => {
      const root = document.getElementById('deflect-widget').shadowRoot;
      return !!root.querySelector('.deflect-mount button.deflect-launcher') && !root.querySelector(':scope > div.deflect');
    },
    null,
    { timeout: LOAD_TIMEOUT, polling: 20 },
  );
}

/** Keyboard only: Tab to the launcher, wait for the app (focus stays on the launcher), Enter;
 *  the panel is open, its index ready and focus in the search box. */
async function keyboardOpenPanel(page) {
  await tabToLauncher(page);
  await waitForAppSwap(page);
  await expectFocus(page, '.deflect-mount button.deflect-launcher', 'after the app replaced the launcher');
  await page.keyboard.press('Enter');
  await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await waitReady(page);
  await expectFocus(page, sel.search, 'the panel opened');
}

/** Keyboard only: open the panel, type `query`, open the first suggestion with ArrowDown +
 *  Enter. Returns the article's title. */
async function keyboardToArticle(page, query) {
  await keyboardOpenPanel(page);
  await page.keyboard.type(query, { delay: TYPE_DELAY });
  const first = page.locator(sel.option).first();
  await first.waitFor({ timeout: UI_TIMEOUT });
  const title = (await first.locator('.deflect-result-title').textContent()).trim();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.locator(sel.article).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return title;
}

/** Box of the `::marker` of each list item matching `selector` (CDP: markers have no DOM
 *  geometry), with the box of the item's button and its line height. */
async function markersAndButtons(context, page, selector) {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const { result } = await cdp.send('Runtime.evaluate', {
      expression: `[...document.getElementById('deflect-widget').shadowRoot.querySelectorAll(${JSON.stringify(selector)})]`,
    });
    const { result: items } = await cdp.send('Runtime.getProperties', { objectId: result.objectId, ownProperties: true });
    const out = [];
    for (const p of items.filter((p) => /^\d+$/.test(p.name))) {
      const { nodeId } = await cdp.send('DOM.requestNode', { objectId: p.value.objectId });
      const { node } = await cdp.send('DOM.describeNode', { nodeId, depth: 1, pierce: true });
      const marker = (node.pseudoElements ?? []).find((e) => e.pseudoType === 'marker');
      assert.ok(marker, `${selector} #${p.name} has no ::marker`);
      const { model } = await cdp.send('DOM.getBoxModel', { backendNodeId: marker.backendNodeId });
      const { result: button } = await cdp.send('Runtime.callFunctionOn', {
        objectId: p.value.objectId,
        functionDeclaration: `function () { const b = this.querySelector('button').getBoundingClientRect();
          return { top: b.top, bottom: b.bottom, line: parseFloat(getComputedStyle(this.querySelector('button')).lineHeight) }; }`,
        returnByValue: true,
      });
      const ys = model.content.filter((_, i) => i % 2 === 1);
      out.push({ marker: { top: Math.min(...ys), bottom: Math.max(...ys) }, button: button.value });
    }
    return out;
  } finally {
    await cdp.detach();
  }
}

// ---------------------------------------------------------------------------------------------

describe('keyboard, screen reader and host page', () => {
  let env;
  let page;
  browserSuite({ bind: (s) => ({ env, page } = s) });

  test('tabbing to the launcher keeps focus on it through the app swap; Enter opens the panel', async () => {
    await page.goto(env.server.url, { waitUntil: 'load' });
    await tabToLauncher(page);
    // Focus is what starts loading the app; the app then replaces the stand-in.
    await waitForAppSwap(page);
    await expectFocus(page, '.deflect-mount button.deflect-launcher', 'after the app replaced the launcher');
    await page.keyboard.press('Enter');
    await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await expectFocus(page, sel.search, 'Enter on the launcher');
  });

  test('keyboard only, from the launcher to a submitted case and back out: focus and announcement at every step, no axe violations', async () => {
    await page.goto(env.server.url, { waitUntil: 'load' });
    await page.locator(`${sel.root} ${sel.launcher}`).waitFor({ timeout: UI_TIMEOUT });
    await assertNoAxeViolations(page, 'closed', { widget: true });
    await keyboardOpenPanel(page);
    await expectAnnounced(page, 'articles', 'the panel opened'); // context suggestions or the prompt
    await assertNoAxeViolations(page, 'open', { widget: true });

    await page.keyboard.type('export timesheet', { delay: TYPE_DELAY });
    await page.locator(sel.option).first().waitFor({ timeout: UI_TIMEOUT });
    await expectFocus(page, sel.search, 'typing');
    await assertNoAxeViolations(page, 'results', { widget: true });
    await page.keyboard.press('ArrowDown');
    const title = (await page.locator(`${sel.option}[aria-selected="true"] .deflect-result-title`).textContent()).trim();
    await page.keyboard.press('Enter');
    await page.locator(sel.article).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await expectFocus(page, 'h2#deflect-article-title', 'the article opened');
    await expectAnnounced(page, `Article: ${title}`, 'the article opened');
    await page.locator('.deflect-article-body').first().waitFor({ timeout: UI_TIMEOUT });
    await assertNoAxeViolations(page, 'article', { widget: true });

    await tabTo(page, 'button.deflect-no', 'to "No"');
    await page.keyboard.press('Enter');
    await expectFocus(page, '.deflect-sorry', '"No"');
    await expectAnnounced(page, "Sorry this didn't solve it.", '"No"');
    await assertNoAxeViolations(page, 'feedback', { widget: true });
    // A reason: Tab into the group, Space checks the first one; focus stays on it.
    await tabTo(page, 'input[name="deflect-reason"]', 'to the reasons');
    await page.keyboard.press('Space');
    await expectFocus(page, 'input[name="deflect-reason"]:checked', 'choosing a reason');

    await tabTo(page, '.deflect-feedback button.deflect-contact', 'to "Contact support"');
    await page.keyboard.press('Enter');
    await expectFocus(page, 'h2#deflect-form-title', '"Contact support"');
    await expectAnnounced(page, 'Contact support form', '"Contact support"');
    assert.equal(await page.locator('#deflect-subject').inputValue(), 'export timesheet');
    await assertNoAxeViolations(page, 'handoff form', { widget: true });
    // The demo page identified the customer (e-mail prefilled); the form needs a category.
    await tabTo(page, 'input[name="deflect-category"]', 'to the categories');
    await page.keyboard.press('Space');
    await tabTo(page, 'button.deflect-submit', 'to Send');
    await page.keyboard.press('Enter');

    await page.locator('.deflect-ack').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const reference = (await page.locator('.deflect-ack .deflect-reference').textContent()).trim();
    assert.match(reference, /^DF-[0-9A-F]{8}$/);
    await expectFocus(page, 'h2#deflect-ack-title', 'sending the request');
    await expectAnnounced(page, reference, 'sending the request');
    await assertNoAxeViolations(page, 'acknowledgement', { widget: true });

    await tabTo(page, 'button.deflect-requests-link', 'to "Your requests (1)"');
    await page.keyboard.press('Enter');
    await page.locator('.deflect-requests').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await expectFocus(page, 'h2#deflect-requests-title', '"Your requests"');
    await expectAnnounced(page, 'Your requests (1)', '"Your requests"');
    await assertNoAxeViolations(page, 'your requests', { widget: true });

    // Escape: back to the search (the query is still there), clear it, close.
    await page.keyboard.press('Escape');
    await page.locator(sel.search).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await expectFocus(page, sel.search, 'Escape from "Your requests"');
    await expectAnnounced(page, 'articles', 'Escape from "Your requests"');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator(sel.search).inputValue(), '');
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await expectFocus(page, 'button.deflect-launcher[aria-expanded="false"]', 'Escape from the search');
  });

  test('"Yes" moves focus to the thanks and announces it; Escape still steps back and out', async () => {
    await page.goto(env.server.url, { waitUntil: 'load' });
    await keyboardToArticle(page, 'reset password');
    await tabTo(page, 'button.deflect-yes', 'to "Yes"');
    await page.keyboard.press('Enter');
    await expectFocus(page, '.deflect-thanks', '"Yes"');
    await expectAnnounced(page, 'glad that solved it', '"Yes"');
    await assertNoAxeViolations(page, 'solved', { widget: true });
    await page.keyboard.press('Escape');
    await expectFocus(page, sel.search, 'Escape from the article');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await expectFocus(page, 'button.deflect-launcher', 'Escape from the search');
  });

  test("the page's CSS cannot style or lay out the host element; theming and hiding still work", async () => {
    const hostile = `<style>
      div, deflect-widget, body > *, [id] { display: block !important; border: 6px solid red !important; padding: 20px !important;
        margin: 10px 0 !important; min-height: 60px !important; background: yellow !important; position: relative !important; }
      * { color: red !important; font: 40px/3 serif !important; }
      #deflect-widget { --deflect-accent: rgb(170, 0, 85); }
    </style>`;
    const url = `${env.server.url}hostile-css.html`;
    await page.route(url, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile</title>${hostile}</head>
<body><main><h1>Vendor page</h1><p id="last">The last thing on the page.</p></main>
<script async src="/widget/deflect.js" data-index="/kb/manifest.json"></script></body></html>`,
      }),
    );
    await page.goto(url, { waitUntil: 'load' });
    await page.locator(`${sel.root} ${sel.launcher}`).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const layout = () =>
      page.evaluate(() => {
        const host = document.getElementById('deflect-widget');
        const withHost = { height: document.documentElement.scrollHeight, boxes: host.getClientRects().length };
        const parent = host.parentNode;
        const next = host.nextSibling;
        host.remove();
        const without = document.documentElement.scrollHeight;
        parent.insertBefore(host, next);
        return { ...withHost, without, state: host.dataset.deflectState };
      });
    const { height, boxes, without, state } = await layout();
    assert.equal(boxes, 0, 'the host element draws a box on the page');
    assert.equal(height, without, 'the host element changes the height of the page');
    assert.equal(state, 'idle', 'data-deflect-state stays on #deflect-widget');
    // Theming through custom properties on #deflect-widget still reaches the launcher.
    const launcherColour = () =>
      page.evaluate(() => getComputedStyle(document.getElementById('deflect-widget').shadowRoot.querySelector('button.deflect-launcher')).backgroundColor);
    assert.equal(await launcherColour(), 'rgb(170, 0, 85)');
    await page.click(`${sel.root} ${sel.launcher}`);
    await waitReady(page);
    await page.locator(sel.panel).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('deflect-widget').shadowRoot.querySelector('.deflect-panel')).fontSize), '15px');
    assert.equal(await launcherColour(), 'rgb(170, 0, 85)', 'theming after the app took over');
    const after = await layout();
    assert.deepEqual([after.boxes, after.height], [0, after.without], 'the open widget changes the page layout');
    // The page may still hide the widget with the hidden attribute.
    await page.evaluate(() => { document.getElementById('deflect-widget').hidden = true; });
    assert.equal(await page.locator(`${sel.root} ${sel.launcher}`).isVisible(), false, 'hidden does not hide the widget');
  });

  test('on a phone: after "No" the reasons are in view, bullets sit on the first line of wrapped suggestions, footer targets are 44 px high', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(env.server.url, { waitUntil: 'load' });
    await keyboardToArticle(page, 'invoice');
    // The footer's way to a human, on every screen with a footer.
    const footerTarget = await page.locator('.deflect-footer button.deflect-contact').boundingBox();
    assert.ok(footerTarget.height >= 44 && footerTarget.width >= 44, `footer "Contact support" is ${footerTarget.width}x${footerTarget.height} px`);
    await page.locator('.deflect-article-body').first().waitFor({ timeout: UI_TIMEOUT });
    await tabTo(page, 'button.deflect-no', 'to "No"');
    await page.keyboard.press('Enter');
    await expectFocus(page, '.deflect-sorry', '"No"');
    const inView = await page.evaluate(() => {
      const root = document.getElementById('deflect-widget').shadowRoot;
      const scroller = root.querySelector('.deflect-scroll').getBoundingClientRect();
      const reasons = root.querySelector('.deflect-reasons').getBoundingClientRect();
      return { scroller: [scroller.top, scroller.bottom], reasons: [reasons.top, reasons.bottom] };
    });
    assert.ok(
      inView.reasons[0] >= inView.scroller[0] && inView.reasons[1] <= inView.scroller[1],
      `the reasons (${inView.reasons}) are outside the visible part of the panel (${inView.scroller})`,
    );
    const items = await markersAndButtons(env.context, page, '.deflect-feedback .deflect-others li');
    const wrapped = items.filter((i) => i.button.bottom - i.button.top > 1.5 * i.button.line);
    assert.ok(wrapped.length > 0, `no suggestion title wraps on a phone: ${JSON.stringify(items)}`);
    for (const { marker, button } of wrapped) {
      const centre = (marker.top + marker.bottom) / 2;
      assert.ok(centre < button.top + button.line, `bullet at ${centre} px is below the first line (${button.top}–${button.top + button.line} px)`);
    }
  });

  test('the pointer entering the launcher starts loading the app before any click', async () => {
    await page.goto(env.server.url, { waitUntil: 'load' });
    const launcher = page.locator(`${sel.root} ${sel.launcher}`);
    await launcher.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await page.getAttribute(sel.root, 'data-deflect-state'), 'idle');
    const wasm = page.waitForRequest((r) => r.url().endsWith('.wasm'), { timeout: 5_000 }).then(() => true, () => false);
    await launcher.hover();
    assert.ok(await wasm, 'hovering the launcher did not request the app within 5 s');
    assert.equal(await page.locator(sel.panel).count(), 0, 'hovering opened the panel');
  });
});
