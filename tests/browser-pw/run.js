// tests/browser-pw/run.js
//
//   node run.js SPEC SCENARIO[,SCENARIO...]   (started by the C++ harness, never by hand: it
//                                              needs the fixture; ctest -R browser.pw runs it)
//
// Launches Debian's chromium (never a downloaded browser) through playwright-core with a
// fresh profile, runs the scenarios of SPEC (a file here exporting async functions by name)
// in turn, each from a signed-out page (cookies cleared), and exits 0 once it has told the
// harness DONE. One browser and one fixture for several scenarios keeps the test's time
// down (starting them is most of it). A scenario during which the browser asked for anything
// outside the terminal's origin fails (no external network at run time). On a failure it
// saves a screenshot (pw-SCENARIO-failed.png in the artifacts folder), prints the error on
// standard error and exits 1. The fixture's config is JSON in RAPPORT_PW_CONFIG
// (tests/browser/playwright_harness.cpp).
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { Harness } = require('./lib/harness');

function log(...args) {
  console.error(new Date().toISOString(), ...args);
}

async function main() {
  const [specName, list] = process.argv.slice(2);
  if (!specName || !list || !process.env.RAPPORT_PW_CONFIG) {
    throw new Error('usage: RAPPORT_PW_CONFIG=<json> node run.js SPEC SCENARIO[,SCENARIO...] (started by ctest -R browser.pw)');
  }
  const config = JSON.parse(process.env.RAPPORT_PW_CONFIG);
  const spec = require(path.join(__dirname, specName));
  const scenarios = list.split(',');
  for (const scenario of scenarios) {
    if (typeof spec[scenario] !== 'function') throw new Error(`${specName} has no scenario "${scenario}"`);
  }
  fs.mkdirSync(config.artifacts, { recursive: true });
  fs.rmSync(config.profile, { recursive: true, force: true });

  const harness = new Harness();
  // launchPersistentContext: playwright refuses --user-data-dir in args; this is how a
  // fresh profile folder of our choosing is passed.
  const context = await chromium.launchPersistentContext(config.profile, {
    executablePath: config.chromium,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Accept exactly the terminal's key, as the store's kiosk browser does.
      `--ignore-certificate-errors-spki-list=${config.spki}`,
    ],
    viewport: { width: 1280, height: 1000 },
    hasTouch: true,  // the store's screen may be a touch screen: page.tap() works
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  // No external network at run time (issue 9): every request any page of the browser makes
  // goes to the terminal's own origin; anything else (a font, a script from a CDN, a request
  // the Content-Security-Policy blocked) fails the scenario it happened in.
  const outside = [];
  let sameOrigin = 0;
  context.on('request', (r) => {
    const url = r.url();
    if (url.startsWith(config.origin + '/')) { sameOrigin += 1; return; }
    if (url.startsWith('about:') || url.startsWith('data:')) return;
    outside.push(url);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) outside.push(`blocked: ${m.text()}`);
  });
  page.on('console', (m) => log(`page console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  const shot = async (name) => {
    const file = path.join(config.artifacts, `pw-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    log(`screenshot ${file}`);
  };
  const t = { page, context, harness, config, log, shot };
  let scenario = '';
  try {
    for (scenario of scenarios) {
      log(`${specName} ${scenario}: start`);
      await context.clearCookies();
      await page.goto('about:blank');
      await spec[scenario](t);
      if (outside.length > 0) {
        throw new Error(`the page made requests outside ${config.origin}: ${outside.join(' ')}`);
      }
      log(`${specName} ${scenario}: passed (${sameOrigin} requests so far, all to ${config.origin})`);
    }
    await harness.ask('DONE');
  } catch (e) {
    try { await shot(`${scenario}-failed`); } catch (ignored) { /* the page may be gone */ }
    throw new Error(`scenario ${scenario}: ${e && e.stack ? e.stack : e}`);
  } finally {
    await context.close();
    harness.close();
  }
}

main().then(() => process.exit(0), (e) => {
  log(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
