// The cashier's screen: sign in with a PIN, then scans arrive as Server-Sent Events from
// rapport-terminal (/events) and are shown without reloading. Text only through textContent.
'use strict';

const $ = (id) => document.getElementById(id);
let stream = null;

function post(path, body) {
  return fetch(path, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-Rapport-Screen': '1'},
    body: JSON.stringify(body || {}),
    credentials: 'same-origin',
  });
}

function showSignIn(message) {
  if (stream) { stream.close(); stream = null; }
  $('screen').hidden = true;
  $('signin').hidden = false;
  $('signin-error').hidden = !message;
  $('signin-error').textContent = message || '';
  $('pin').value = '';
  $('name').focus();
}

function showScreen(name) {
  $('signin').hidden = true;
  $('screen').hidden = false;
  $('cashier').textContent = name;
  document.body.dataset.signedIn = name;
  listen();
}

function text(id, value, missing) {
  $(id).textContent = value === undefined || value === null || value === '' ? missing : String(value);
}

function showScan(scan) {
  $('idle').hidden = true;
  const greeted = scan.outcome === 'member';
  $('greeting').hidden = !greeted;
  $('problem').hidden = greeted;
  if (greeted) {
    text('member-name', scan.name, '');
    text('reward-tier', scan.reward_tier, 'no reward tier yet');
    text('visits', scan.visit_number, '');
    text('last-visit', scan.last_visit_ago, 'first visit');
    text('points', scan.points_balance, 'no points yet');
    $('staff-hint').hidden = !scan.staff_hint;
    $('staff-hint').textContent = scan.staff_hint ? 'Staff only: ' + scan.staff_hint : '';
    $('offers-empty').hidden = (scan.offers || []).length > 0;
    $('notes-empty').hidden = (scan.notes || []).length > 0;
  } else {
    $('problem').dataset.outcome = scan.outcome;
    text('problem-title', scan.headline, 'Card not read');
    text('problem-message', scan.message, '');
  }
  document.body.dataset.scans = String(Number(document.body.dataset.scans || 0) + 1);
}

function showStatus(status) {
  $('online').hidden = !status.online;
  $('offline').hidden = status.online;
  $('pending').textContent = String(status.pending);
  document.body.dataset.live = 'yes';  // the event stream is connected
}

function listen() {
  if (stream) return;
  const source = new EventSource('/events');
  stream = source;
  source.addEventListener('scan', (e) => showScan(JSON.parse(e.data)));
  source.addEventListener('status', (e) => showStatus(JSON.parse(e.data)));
  source.onerror = () => {
    // Each short stream ends with an error event and the browser reconnects by itself
    // (CONNECTING). CLOSED means it gave up: signed out (401), or something else went wrong.
    if (source.readyState !== EventSource.CLOSED) return;
    if (stream !== source) return;  // signed out meanwhile
    stream = null;
    fetch('/api/session', {credentials: 'same-origin'}).then(async (r) => {
      if (r.status === 401) { showSignIn('Signed out: sign in again.'); return; }
      setTimeout(listen, 1000);
    }).catch(() => {
      $('online').hidden = true; $('offline').hidden = false;
      setTimeout(listen, 1000);
    });
  };
}

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('name').value.trim();
  const response = await post('/api/login', {name, pin: $('pin').value});
  if (response.ok) { $('pin').value = ''; showScreen((await response.json()).name); return; }
  const answer = await response.json().catch(() => ({error: 'cannot sign in'}));
  showSignIn(answer.error || 'cannot sign in');
});

$('signout').addEventListener('click', async () => {
  await post('/api/logout');
  delete document.body.dataset.signedIn;
  showSignIn('');
});

fetch('/api/session', {credentials: 'same-origin'}).then(async (r) => {
  if (r.ok) showScreen((await r.json()).name); else showSignIn('');
});
