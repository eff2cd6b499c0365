// The regulars page: reads /api/session, then the chosen store's regulars and visitors.
// Text from the server goes into the page with textContent only, never as HTML.
'use strict';

let csrfToken = '';

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function money(cents) {
  return cents === null ? '' : (cents / 100).toFixed(2);
}

function day(iso) {
  return iso ? iso.slice(0, 10) : 'never';
}

async function getJson(url) {
  const response = await fetch(url, {credentials: 'same-origin'});
  if (response.status === 401) {
    window.location.assign('/login');
    throw new Error('logged out');
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
  return body;
}

function showRegulars(data) {
  const body = document.querySelector('#regulars tbody');
  body.replaceChildren();
  data.rows.forEach((r, index) => {
    const row = document.createElement('tr');
    row.dataset.memberId = String(r.member_id);
    cell(row, String(index + 1));
    const name = cell(row, '');
    const link = document.createElement('a');
    link.href = '/members/' + r.member_id;
    link.textContent = r.name;
    name.appendChild(link);
    cell(row, r.tier || '', 'tier');
    cell(row, money(r.total_value_cents), 'value');
    cell(row, r.p_alive === null ? '' : r.p_alive.toFixed(2), 'p-alive');
    cell(row, String(r.visits));
    cell(row, day(r.last_visit));
    cell(row, r.rhythm_days === null ? '' : r.rhythm_days.toFixed(0));
    cell(row, r.at_risk ? 'at risk' : '', r.at_risk ? 'at-risk' : '');
    body.appendChild(row);
  });
  document.getElementById('regulars-empty').hidden = data.rows.length !== 0;
  document.getElementById('values-missing').hidden = data.values_computed;
  document.getElementById('owners-missing').hidden = data.relationship_owners !== 'not-available';
  document.getElementById('offers-missing').hidden = data.offers !== 'not-available';
}

function showVisitors(data) {
  const body = document.querySelector('#visitors tbody');
  body.replaceChildren();
  for (const r of data.rows) {
    const row = document.createElement('tr');
    cell(row, r.name);
    cell(row, r.home_store);
    cell(row, String(r.visits_here));
    cell(row, day(r.last_visit_here));
    body.appendChild(row);
  }
  document.getElementById('visitors-empty').hidden = data.rows.length !== 0;
}

async function load(store) {
  const error = document.getElementById('load-error');
  error.hidden = true;
  const base = '/api/stores/' + encodeURIComponent(store);
  document.getElementById('csv-link').href = base + '/regulars.csv';
  try {
    showRegulars(await getJson(base + '/regulars'));
    showVisitors(await getJson(base + '/visitors'));
    document.body.dataset.loaded = store;
  } catch (e) {
    error.textContent = 'Cannot load this store: ' + e.message;
    error.hidden = false;
  }
}

async function start() {
  const session = await getJson('/api/session');
  csrfToken = session.csrf_token;
  document.getElementById('who').textContent = session.name + ' (' + session.role + ')';
  const select = document.getElementById('store');
  for (const store of session.stores) {
    const option = document.createElement('option');
    option.value = store;
    option.textContent = store;
    select.appendChild(option);
  }
  select.addEventListener('change', () => load(select.value));
  if (session.stores.length > 0) await load(session.stores[0]);
}

document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/api/logout', {method: 'POST', headers: {'X-CSRF-Token': csrfToken}});
  window.location.assign('/login');
});

start().catch((e) => {
  const error = document.getElementById('load-error');
  error.textContent = e.message;
  error.hidden = false;
});
