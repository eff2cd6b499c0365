// tests/browser-pw/cashier.spec.js
//
// Acceptance of the cashier's screen (issue 9, "Acceptance: tests in a real headless
// browser"), one scenario per ctest test (tests/browser/cashier_playwright_test.cpp). Cards
// are read by an emulated USB scanner through the terminal's own libusb driver (SCAN); the
// harness checks the databases with its own SQL after each scenario.
'use strict';
const assert = require('assert');
const crypto = require('crypto');
const { until, signIn, text, waitText, waitPending, visits } = require('./lib/screen');
const { post } = require('./lib/pos');

// A card read on the reader greets the seeded member by name, pushed to the page without a
// reload, and the next read shows one more visit.
async function greeting({ page, harness, config, shot }) {
  await signIn(page, config);
  await page.evaluate(() => { window.noReload = 'still here'; });
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);
  const first = await visits(page);
  await shot('greeting');
  await harness.scan(config.card);
  await waitText(page, 'visits', String(first + 1));
  await waitText(page, 'member-name', config.member);
  assert.strictEqual(await page.evaluate(() => window.noReload), 'still here', 'the page reloaded');
  await shot('greeting-next-visit');
}

// An unknown card is offered enrollment; the form is filled with the keyboard alone; once
// synced, the same card is greeted by the new member's name.
async function enroll({ page, harness, config, shot }) {
  await signIn(page, config);
  await harness.scan(config.unknown_card);
  await waitText(page, 'problem-title', 'Unknown card');
  await until(page, () => document.activeElement && document.activeElement.id === 'enroll-open', null,
              'the focus on "Enroll this customer"');
  assert.strictEqual(await text(page, 'enroll-last4'), config.unknown_card.slice(-4));
  await page.keyboard.press('Enter');
  await until(page, () => document.activeElement.id === 'enroll-name', null, 'the focus on the name');
  await page.keyboard.type('Grace Hopper');
  await page.keyboard.press('Tab');
  await page.keyboard.type('+44 20 7946 0000');
  await page.keyboard.press('Tab');
  await page.keyboard.type('grace@example.org');
  await shot('enroll-form');
  await page.keyboard.press('Enter');
  await page.locator('#enrolled').waitFor({ state: 'visible' });
  assert.match(await text(page, 'enrolled-message'), /Grace Hopper/);
  await shot('enrolled');
  // The server gives the member id: once it has the enrollment, the card is looked up there.
  await harness.waitServerEvents('enrollment', 1, 'Grace Hopper');
  await harness.scan(config.unknown_card);
  await waitText(page, 'member-name', 'Grace Hopper');
  await waitText(page, 'visits', '2');
  await shot('enrolled-greeted');
}

// With the server stopped the counter goes on: reads are greeted from the terminal's store
// and a POS records sales through the POS API (one retried with its Idempotency-Key, as after
// a lost answer). The page shows offline and what waits; after the restart everything
// waiting is on the server exactly once (the harness checks by SQL).
async function offline({ page, harness, config, shot, log }) {
  await signIn(page, config);
  await waitPending(page, 0);
  await harness.ask('SERVER STOP');
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);
  const before = await visits(page);
  // The badge follows the sync worker's last attempt, and the read gave it one to make.
  await page.locator('#offline').waitFor({ state: 'visible' });

  const sale = (receipt, cents) => ({
    card_read: config.card, receipt,
    lines: [{ product: 'Flat white', category: 'coffee', quantity: 1, amount_cents: cents }],
  });
  const ids = [];
  for (const [i, cents] of [[1, 350], [2, 780], [3, 420]]) {
    const key = crypto.randomUUID();
    const answer = await post(config, '/pos/v1/purchases', sale(`R-${i}`, cents), key);
    assert.strictEqual(answer.status, 201, JSON.stringify(answer.json));
    ids.push(answer.json.event_id);
    if (i === 2) {  // the POS lost the answer and retries: the same sale, not a second one
      const again = await post(config, '/pos/v1/purchases', sale('R-2', cents), key);
      assert.strictEqual(again.status, 201, JSON.stringify(again.json));
      assert.strictEqual(again.headers['idempotent-replayed'], 'true');
      assert.strictEqual(again.json.event_id, answer.json.event_id);
    }
  }
  log(`offline purchases ${ids.join(' ')}`);

  await harness.scan(config.card);
  await waitText(page, 'visits', String(before + 1));
  const waiting = Number(await harness.ask('OUTBOX'));
  assert.ok(waiting >= 5, `only ${waiting} events wait in the outbox (2 visits, 3 purchases)`);
  await waitPending(page, waiting);
  assert.ok(await page.locator('#offline').isVisible(), 'the offline badge went away');
  await shot('offline');

  await harness.ask('SERVER START');
  await page.locator('#offline').waitFor({ state: 'hidden', timeout: 30000 });
  await waitPending(page, 0, 30000);
  const once = Number(await harness.ask(`EXACTLY-ONCE ${ids.join(' ')}`));
  assert.strictEqual(once, waiting);
  await shot('back-online');
}

// From the driver's delivery of a card read to the greeting in the page, over config.scans
// reads of the same card. The page stamps each change of the visit count with a
// MutationObserver (DOM updated) and the next animation frame (rendered), with Date.now():
// the wall clock the harness stamps the delivery with (CLOCK_REALTIME on both sides;
// performance.timeOrigin + now() was seen 1 ms off it), so each sample is good to about 1 ms.
// Samples go to the harness, which prints p50/p99.
async function latency({ page, harness, config }) {
  await signIn(page, config);
  await page.evaluate(() => {
    window.stamps = {};
    const visitsShown = document.getElementById('visits');
    new MutationObserver(() => {
      const at = Date.now();
      const shown = visitsShown.textContent;
      if (window.stamps[shown]) return;
      const stamp = { dom: at, frame: null };
      window.stamps[shown] = stamp;
      requestAnimationFrame(() => { stamp.frame = Date.now(); });
    }).observe(visitsShown, { childList: true, characterData: true, subtree: true });
  });
  const scans = Number(config.scans || 50);
  const dom = [];
  const frame = [];
  let expected = 0;
  for (let i = 0; i < scans; ++i) {
    const delivered = await harness.scan(config.card);
    if (i === 0) {
      await waitText(page, 'member-name', config.member);
      expected = await visits(page);
    } else {
      expected += 1;
    }
    const { dom: d, frame: f } = await until(page,
      (n) => { const s = window.stamps[String(n)]; return s && s.frame !== null ? s : null; }, expected,
      `visit ${expected} on the page`);
    dom.push(d - delivered);
    frame.push(f - delivered);
  }
  // 1 ms of slack: both stamps are whole or rounded milliseconds.
  assert.ok(dom.every((ms) => ms > -1), `a greeting before its card was delivered: ${dom}`);
  await harness.ask(`LATENCY dom ${dom.map((ms) => ms.toFixed(2)).join(',')}`);
  await harness.ask(`LATENCY frame ${frame.map((ms) => ms.toFixed(2)).join(',')}`);
}

module.exports = { greeting, enroll, offline, latency };
