// tests/browser-pw/rewards.spec.js
//
// The counter's work on the cashier's screen with the keyboard alone (issue 9: "Fully usable
// with the keyboard alone"; "Enroll; redeem; refund"; "Offline mode: sales and redemptions go
// on"), against the element ids docs/cashier-screen.md ("Element ids") documents. Every
// action is reached with Tab from wherever the focus is and done with Enter or Space, as a
// cashier without a mouse does; nothing is clicked or filled in by script. The fixture's
// rules (tests/browser/cashier_playwright_test.cpp) are those of the counter's tests: 1 point
// per unit, coffee double, "free-coffee" for 150 points, "free-pastry" for 50, 100 points a
// member a day offline, 50 goodwill points a cashier a day; the terminal pulls members every
// second, so points earned on the server show soon.
'use strict';
const assert = require('assert');
const crypto = require('crypto');
const { post } = require('./lib/pos');
const { until, signIn, text, waitText, waitPending, tabTo, measure } = require('./lib/screen');

const dataset = (page, key) => page.evaluate((k) => document.body.dataset[k] || '', key);

// A sale typed into line 1 of the sale form with the keyboard: Tab to the product, type,
// Tab to the category, type, Tab over the quantity (1), Tab to the amount, type, Enter.
// Resolves to the purchase's event id.
async function keyboardSale(page, product, category, amount) {
  const before = await dataset(page, 'sale');
  await tabTo(page, 'sale-product-1');
  await page.keyboard.type(product);
  await page.keyboard.press('Tab');
  await page.keyboard.type(category);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'sale-amount-1');
  await page.keyboard.type(amount);
  await page.keyboard.press('Enter');
  try {
    return await until(page, (b) => (document.body.dataset.sale !== b ? document.body.dataset.sale : ''),
                       before, 'the sale to be recorded');
  } catch (e) {
    throw new Error(`${e.message}; the page says "${await text(page, 'sale-result')}"`);
  }
}

// The newest sale in the refund list (its first radio, where Tab enters the group), whole:
// Space chooses it, Tab to the amount (left empty: all that is left), Enter.
async function keyboardRefundNewest(page, purchase) {
  const first = await page.evaluate(() => {
    const r = document.querySelector('#refund-list input[type=radio]');
    return r ? r.id : '';
  });
  assert.strictEqual(first, `refund-sale-${purchase}`, 'the newest sale is not first in the refund list');
  await tabTo(page, first);
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'refund-amount');
  await page.keyboard.press('Enter');
  try {
    return await until(page, () => document.body.dataset.refund, null, 'the refund to be recorded');
  } catch (e) {
    throw new Error(`${e.message}; the page says "${await text(page, 'refund-result')}"`);
  }
}

// One touch on the keyboard: Tab to the offer's button, Enter.
async function keyboardRedeem(page, offer) {
  const presses = await tabTo(page, `offer-redeem-${offer}`);
  await page.keyboard.press('Enter');
  try {
    await until(page, (id) => {
      const b = document.getElementById(id);
      return document.body.dataset.redeemed && (!b || b.disabled);
    }, `offer-redeem-${offer}`, 'the redemption (and its button disabled or gone)');
  } catch (e) {
    throw new Error(`${e.message}; the page says "${await text(page, 'offer-result')}"`);
  }
  return presses;
}

// Reads the card until the offer's button is enabled (the points a sale earns come back with
// the member at the terminal's next pull, within a second or two).
async function untilRedeemable(page, harness, config, offer) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const ready = await page.evaluate((id) => {
      const b = document.getElementById(id);
      return !!b && !b.disabled;
    }, `offer-redeem-${offer}`);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`#offer-redeem-${offer} did not become redeemable`);
    await page.waitForTimeout(1000);
    await harness.scan(config.card);
    await waitText(page, 'member-name', config.member);
  }
}

// Scan, greet, sell, redeem in one touch and refund, all with the keyboard; the greeting is
// checked for arm's-length type and touch-sized controls. The harness then finds one purchase,
// one redemption and one refund for Ada on the server.
async function redeemAndRefund({ page, harness, config, shot, log }) {
  await signIn(page, config);
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);

  // Readable at arm's length: 24 px type at the least (the page's base), the name at twice
  // that; controls at least 44 CSS px each way (WCAG 2.5.5's touch target).
  const sizes = await measure(page);
  log(`smallest text ${sizes.font.px} px (${sizes.font.where} "${sizes.font.text}"), smallest ` +
      `control ${sizes.target.px.toFixed(1)} px (${sizes.target.where})`);
  assert.ok(sizes.font.px >= 24, `text of ${sizes.font.px} px: ${sizes.font.where} "${sizes.font.text}"`);
  assert.ok(sizes.target.px >= 44, `a control of ${sizes.target.px} px: ${sizes.target.where}`);
  const nameSize = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('member-name')).fontSize));
  assert.ok(nameSize >= 48, `the member's name is ${nameSize} px`);

  // A sale of 100.00 of coffee: 200 points once the server has it.
  const purchase = await keyboardSale(page, 'Coffee beans', 'coffee', '100.00');
  await shot('sale-recorded');
  await harness.waitServerEvents('purchase', 1);

  await untilRedeemable(page, harness, config, 'free-coffee');
  await shot('offers-panel');
  const presses = await keyboardRedeem(page, 'free-coffee');
  log(`redeemed with ${presses} Tab presses and Enter`);
  await shot('offer-redeemed');
  await harness.waitServerEvents('redemption', 1);

  await keyboardRefundNewest(page, purchase);
  await shot('refunded');
  await harness.waitServerEvents('refund', 1);
  log(`sold ${purchase}, redeemed free-coffee, refunded the sale: keyboard only`);
}

// On a touch screen: the goodwill form filled by tapping its fields and its button (touch
// events, no mouse, no Tab), the text typed as an on-screen keyboard would.
async function touchGesture({ page, harness, config, shot }) {
  await signIn(page, config);
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);
  await page.tap('#gesture-points');
  await page.keyboard.type('10');
  await page.tap('#gesture-reason');
  await page.keyboard.type('spilt drink');
  await page.tap('#gesture-submit');
  try {
    await until(page, () => document.body.dataset.gesture, null, 'the gesture to be given');
  } catch (e) {
    throw new Error(`${e.message}; the page says "${await text(page, 'gesture-result')}"`);
  }
  await shot('touch-gesture');
  await harness.waitServerEvents('gesture', 1);
}

// With the server stopped, everything the counter does goes on from the terminal's store, with
// the keyboard alone: a read is greeted, an offer redeemed (within the offline limit), a sale
// recorded and refunded, a goodwill gesture given, a note taken, an unknown card enrolled.
// The page shows offline and counts what waits; after the restart every waiting event is on
// the server exactly once (EXACTLY-ONCE: the harness's SQL) and nothing else arrived.
async function offlineCounter({ page, harness, config, shot, log }) {
  await signIn(page, config);
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);
  // 25.00 of coffee online: 50 points, enough for the pastry.
  const online = await keyboardSale(page, 'Coffee beans', 'coffee', '25.00');
  await harness.waitServerEvents('purchase', 1);
  await untilRedeemable(page, harness, config, 'free-pastry');
  await waitPending(page, 0);

  await harness.ask('SERVER STOP');
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);
  await page.locator('#offline').waitFor({ state: 'visible' });

  await keyboardRedeem(page, 'free-pastry');
  const redeemed = await dataset(page, 'redeemed');
  assert.match(await text(page, 'offer-result'), /offline/);

  const sale = await keyboardSale(page, 'Tea', 'tea', '4.00');
  await until(page, (id) => !!document.getElementById(id), `refund-sale-${sale}`, 'the sale in the refund list');
  const refund = await keyboardRefundNewest(page, sale);

  await tabTo(page, 'gesture-points');
  await page.keyboard.type('20');
  await page.keyboard.press('Tab');
  await page.keyboard.type('long wait');
  await page.keyboard.press('Enter');
  const gesture = await until(page, () => document.body.dataset.gesture, null, 'the gesture to be given');

  await tabTo(page, 'note-text');
  await page.keyboard.type('asked for oat milk');
  await page.keyboard.press('Enter');
  await until(page, () => document.body.dataset.notes === '1', null, 'the note to be saved');

  await harness.scan(config.unknown_card);
  await waitText(page, 'problem-title', 'Unknown card');
  await until(page, () => document.activeElement && document.activeElement.id === 'enroll-open', null,
              'the focus on "Enroll this customer"');
  await page.keyboard.press('Enter');
  await until(page, () => document.activeElement.id === 'enroll-name', null, 'the focus on the name');
  await page.keyboard.type('Grace Hopper');
  await page.keyboard.press('Enter');
  const enrolled = await until(page, () => document.body.dataset.enrolled, null, 'the enrollment');

  const waiting = Number(await harness.ask('OUTBOX'));
  await waitPending(page, waiting);
  assert.ok(await page.locator('#offline').isVisible(), 'the offline badge went away');
  await shot('offline-counter');
  log(`offline: redemption ${redeemed}, sale ${sale}, refund ${refund}, gesture ${gesture}, ` +
      `enrollment ${enrolled}; ${waiting} events waiting`);

  // The sync worker's backoff may have grown towards its ceiling (60 s) during the outage,
  // but it probes the server every few seconds (terminal/sync_backoff.h): online again
  // within seconds of the restart, with nothing new to send.
  await harness.ask('SERVER START');
  await page.locator('#offline').waitFor({ state: 'hidden', timeout: 15000 });
  await waitPending(page, 0, 30000);
  const once = Number(await harness.ask(`EXACTLY-ONCE ${[redeemed, sale, refund, gesture, enrolled].join(' ')}`));
  assert.strictEqual(once, waiting);
  assert.notStrictEqual(online, sale);
  await shot('offline-counter-synced');
}

// Refund at any till (docs/cashier-screen.md, "Refunds"): a purchase rung up at another till
// (T2's POS API) comes to this terminal with Ada at its next pull, is listed beside this
// till's sales and refunded here in full with the keyboard; T2's POS then refunds it in full
// too, and the server takes back at most what was left (the harness checks its SQL).
async function refundElsewhere({ page, harness, config, shot, log }) {
  await signIn(page, config);
  await harness.scan(config.card);
  await waitText(page, 'member-name', config.member);
  const otherTill = { ...config, pos_origin: config.other_pos_origin, spki: config.other_spki };
  const bought = await post(otherTill, '/pos/v1/purchases', {
    card_read: config.card, receipt: 'T2-1',
    lines: [{ product: 'Latte', category: 'coffee', quantity: 2, amount_cents: 900 }],
  }, crypto.randomUUID());
  assert.strictEqual(bought.status, 201, JSON.stringify(bought.json));
  const purchase = bought.json.event_id;
  await harness.waitServerEvents('purchase', 1);

  // This terminal pulls Ada again within a second or two; the page shows her panel with the
  // next scan or status.
  const deadline = Date.now() + 30000;
  while (!(await page.evaluate((id) => !!document.getElementById(id), `refund-sale-${purchase}`))) {
    if (Date.now() > deadline) throw new Error(`the purchase of the other till never reached the refund list`);
    await page.waitForTimeout(1000);
    await harness.scan(config.card);
    await waitText(page, 'member-name', config.member);
  }
  const label = await page.evaluate((id) => document.getElementById(id).parentElement.textContent,
                                    `refund-sale-${purchase}`);
  assert.match(label, /at S1 2 x Latte - 9\.00/);
  await shot('refund-elsewhere-listed');
  const refund = await keyboardRefundNewest(page, purchase);
  await until(page, (id) => document.getElementById(id) && document.getElementById(id).disabled,
              `refund-sale-${purchase}`, 'the sale shown as refunded');
  await harness.waitServerEvents('refund', 1);
  await shot('refund-elsewhere-refunded');

  // The other till did not see it: its POS refunds it in full as well. The server keeps the
  // event but takes back nothing more.
  const again = await post(otherTill, '/pos/v1/refunds',
                           { card_read: config.card, purchase_id: purchase, amount_cents: 900 },
                           crypto.randomUUID());
  assert.strictEqual(again.status, 201, JSON.stringify(again.json));
  await harness.waitServerEvents('refund', 2);
  log(`bought ${purchase} at T2, refunded here (${refund}) and at T2 (${again.json.event_id})`);
}

module.exports = { redeemAndRefund, touchGesture, offlineCounter, refundElsewhere };
