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
    ownerCell(row, r, data.owner_candidates);
    if (r.needs_owner) row.classList.add('needs-owner');
    body.appendChild(row);
  });
  document.getElementById('regulars-empty').hidden = data.rows.length !== 0;
  document.getElementById('values-missing').hidden = data.values_computed;
  document.getElementById('offers-missing').hidden = data.offers !== 'not-available';
}

async function post(url) {
  const response = await fetch(url, {method: 'POST', credentials: 'same-origin',
                                     headers: {'X-CSRF-Token': csrfToken}});
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
  return body;
}

// The owner's name (or why one is needed), and a choice of the store's staff to assign.
function ownerCell(row, r, candidates) {
  const td = cell(row, '', 'owner');
  const name = document.createElement('span');
  name.className = 'owner-name';
  name.textContent = r.owner ? r.owner + (r.owner_disabled ? ' (disabled)' : '') : '';
  td.appendChild(name);
  if (r.needs_owner) {
    const flag = document.createElement('span');
    flag.className = 'flag';
    flag.textContent = ' most valuable, needs an owner';
    td.appendChild(flag);
  }
  const select = document.createElement('select');
  select.className = 'owner-choice';
  for (const c of candidates) {
    const option = document.createElement('option');
    option.value = String(c.id);
    option.textContent = c.name;
    select.appendChild(option);
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'assign-owner';
  button.textContent = r.owner ? 'Change' : 'Assign';
  button.disabled = candidates.length === 0;
  button.addEventListener('click', () => act(
      '/api/members/' + r.member_id + '/owner?user=' + encodeURIComponent(select.value)));
  td.append(select, button);
}

function showFollowUps(data) {
  const body = document.querySelector('#follow-ups tbody');
  body.replaceChildren();
  for (const f of data.rows) {
    const row = document.createElement('tr');
    row.dataset.followUpId = String(f.id);
    if (f.mine) row.classList.add('mine');
    const name = cell(row, '');
    const link = document.createElement('a');
    link.href = '/members/' + f.member_id;
    link.textContent = f.member_name;
    name.appendChild(link);
    cell(row, f.reason + ': ' + f.detail);
    cell(row, day(f.due_at), 'due');
    cell(row, f.owner ? f.owner + (f.mine ? ' (you)' : '') : 'nobody yet', 'owner');
    const done = document.createElement('button');
    done.type = 'button';
    done.className = 'close-follow-up';
    done.textContent = 'Done';
    done.addEventListener('click', () => act('/api/follow-ups/' + f.id + '/close'));
    row.appendChild(document.createElement('td')).appendChild(done);
    body.appendChild(row);
  }
  document.getElementById('follow-ups-empty').hidden = data.rows.length !== 0;
}

// A change, then the store again so the page shows what the server now holds.
async function act(url) {
  const error = document.getElementById('load-error');
  try {
    await post(url);
    await load(document.getElementById('store').value);
  } catch (e) {
    error.textContent = 'Not done: ' + e.message;
    error.hidden = false;
  }
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
    delete document.body.dataset.loaded;
    showRegulars(await getJson(base + '/regulars'));
    showFollowUps(await getJson(base + '/follow-ups'));
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
