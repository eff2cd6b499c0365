// tests/browser-pw/check-install.js
//
// Exits 0 when node_modules holds exactly the versions package-lock.json pins, 1 otherwise
// (saying which). Used by scripts/test.sh (to run `npm ci` only when needed, so a machine
// with node_modules in place needs no network) and by the C++ harness (to fail with what
// to run). Plain Node.js 18, no dependencies.
'use strict';
const fs = require('fs');
const path = require('path');

const here = __dirname;
const lock = JSON.parse(fs.readFileSync(path.join(here, 'package-lock.json'), 'utf8'));
const problems = [];
for (const [where, entry] of Object.entries(lock.packages || {})) {
  if (!where.startsWith('node_modules/')) continue;
  const manifest = path.join(here, where, 'package.json');
  let installed;
  try {
    installed = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  } catch (e) {
    problems.push(`${where.slice('node_modules/'.length)} ${entry.version} is missing`);
    continue;
  }
  if (installed !== entry.version) {
    problems.push(`${where.slice('node_modules/'.length)} is ${installed}, the lockfile pins ${entry.version}`);
  }
}
if (problems.length > 0) {
  process.stdout.write(problems.join('; ') + '\n');
  process.exit(1);
}
