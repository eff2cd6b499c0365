// tests/browser-pw/lib/screen.js
//
// The cashier's screen as a cashier uses it (docs/cashier-screen.md): sign in with the PIN,
// read what the greeting shows. Element ids are the page's (terminal/screen/assets/).
'use strict';
const assert = require('assert');

// Resolves to the first truthy value of `fn(arg)` evaluated in the page every 25 ms; throws
// naming `what` after `timeout` ms. Not page.waitForFunction: that compiles the predicate
// in the page, which the screen's Content-Security-Policy (no 'unsafe-eval') rightly refuses,
// and the tests keep the page's real policy.
async function until(page, fn, arg, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// Opens the screen and signs in; resolves once the page's event stream is connected (a page
// sees the scans made after it connected).
async function signIn(page, config) {
  await page.goto(config.origin + '/');
  await page.locator('#signin').waitFor({ state: 'visible' });
  await page.fill('#name', config.cashier);
  await page.fill('#pin', config.pin);
  await page.press('#pin', 'Enter');
  await until(page, (name) => document.body.dataset.signedIn === name, config.cashier, 'the sign-in');
  await until(page, () => document.body.dataset.live === 'yes', null, 'the event stream');
  console.error(new Date().toISOString(), `signed in as ${config.cashier}, event stream connected`);
}

async function text(page, id) {
  return ((await page.textContent('#' + id)) || '').trim();
}

// Waits until element `id` shows exactly `expected`.
async function waitText(page, id, expected, timeout = 15000) {
  try {
    await until(page, ([i, e]) => (document.getElementById(i).textContent || '').trim() === e,
                [id, expected], `#${id} to show "${expected}"`, timeout);
  } catch (e) {
    throw new Error(`${e.message}; it shows "${await text(page, id)}"`);
  }
}

// The header's count of events waiting to sync, once it equals `n`.
async function waitPending(page, n, timeout = 20000) {
  await waitText(page, 'pending', String(n), timeout);
}

async function visits(page) {
  const shown = await text(page, 'visits');
  const n = Number(shown);
  assert.ok(Number.isInteger(n) && n > 0, `the visit count shown is "${shown}"`);
  return n;
}

// Keyboard alone: presses Tab (as a cashier would, from wherever the focus is) until element
// `id` has the focus; throws after `max` presses. Resolves to the number of presses. Tab
// enters a group of radios on its first one (arrows move inside it), so aim at that one.
async function tabTo(page, id, max = 60) {
  for (let presses = 0; presses <= max; ++presses) {
    if (await page.evaluate(() => (document.activeElement ? document.activeElement.id : '')) === id) {
      return presses;
    }
    await page.keyboard.press('Tab');
  }
  const at = await page.evaluate(() => (document.activeElement ? document.activeElement.id : ''));
  throw new Error(`#${id} did not get the focus after ${max} Tab presses (the focus is on "#${at}")`);
}

// Readable at arm's length and usable on a touch screen: the smallest font size of any visible
// text on the page, and the smallest visible button, text field or list (touch target), in
// CSS pixels, each with the element that has it. Checkboxes and radios are left out: their
// whole label is the target.
async function measure(page) {
  return page.evaluate(() => {
    const visible = (e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    };
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
    let font = { px: Infinity, where: '', text: '' };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const e = node.parentElement;
      if (!node.textContent.trim() || !e || !visible(e)) continue;
      const px = parseFloat(getComputedStyle(e).fontSize);
      if (px < font.px) font = { px, where: name(e), text: node.textContent.trim().slice(0, 40) };
    }
    let target = { px: Infinity, where: '' };
    for (const e of document.querySelectorAll('button, input, select')) {
      if (e.type === 'checkbox' || e.type === 'radio' || e.type === 'hidden' || !visible(e)) continue;
      const r = e.getBoundingClientRect();
      const px = Math.min(r.width, r.height);
      if (px < target.px) target = { px, where: name(e) };
    }
    return { font, target };
  });
}

module.exports = { until, signIn, text, waitText, waitPending, visits, tabTo, measure };
