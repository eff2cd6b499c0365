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

module.exports = { until, signIn, text, waitText, waitPending, visits };
