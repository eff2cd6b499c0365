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

function memberLink(td, id, name) {
  const link = document.createElement('a');
  link.href = '/members/' + id;
  link.textContent = name;
  td.appendChild(link);
}

// One small table: rows made by `fill`, and its empty-state line when there are none.
function showList(id, rows, fill) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren();
  for (const r of rows) {
    const row = document.createElement('tr');
    fill(row, r);
    body.appendChild(row);
  }
  document.getElementById(id + '-empty').hidden = rows.length !== 0;
}

function showOverview(data) {
  showList('new-members', data.new_members, (row, m) => {
    memberLink(cell(row, ''), m.member_id, m.name);
    cell(row, day(m.joined_at));
  });
  showList('birthdays', data.birthdays, (row, m) => {
    memberLink(cell(row, ''), m.member_id, m.name);
    cell(row, m.birthday);
  });
  showList('offers', data.offers, (row, o) => {
    cell(row, o.offer_id);
    cell(row, String(o.shown));
    cell(row, String(o.accepted));
    cell(row, String(o.declined));
  });
}

function showOwners(data) {
  showList('owners', data.rows, (row, o) => {
    cell(row, o.owner + (o.disabled ? ' (disabled)' : ''));
    cell(row, String(o.customers));
    cell(row, o.retention === null ? 'nobody active before'
                                   : (o.retention * 100).toFixed(0) + '% of ' + o.active_before);
    cell(row, money(o.revenue_before_cents), 'value');
    cell(row, money(o.revenue_recent_cents), 'value');
    cell(row, money(o.value_growth_cents), 'value');
  });
}

// Chart.js (Debian's libjs-chart.js, served from /assets/chart.min.js) draws the store's
// figures; the datasets are exactly what /api/stores/S/charts sent.
const charts = {};

function drawChart(id, type, figures) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart(document.getElementById(id), {
    type: type,
    data: {labels: figures.labels,
           datasets: figures.datasets.map((d) => ({label: d.label, data: d.data,
                                                   backgroundColor: '#4a6fa5',
                                                   borderColor: '#223'}))},
    options: {animation: false, responsive: false, plugins: {legend: {display: false}}},
  });
}

function showCharts(data) {
  drawChart('chart-tiers', 'bar', data.tiers);
  drawChart('chart-visits', 'line', data.visits_per_week);
  drawChart('chart-values', 'bar', data.value_distribution);
  const anyValues = data.tiers.datasets[0].data.some((n) => n > 0);
  document.getElementById('charts-values-missing').hidden = anyValues;
  document.getElementById('charts-visits-missing').hidden =
      data.visits_per_week.labels.length !== 0;
}

async function load(store) {
  const error = document.getElementById('load-error');
  error.hidden = true;
  const base = '/api/stores/' + encodeURIComponent(store);
  document.getElementById('csv-link').href = base + '/regulars.csv';
  for (const link of document.querySelectorAll('a.csv')) {
    link.href = base + '/' + link.dataset.table + '.csv';
  }
  try {
    delete document.body.dataset.loaded;
    showRegulars(await getJson(base + '/regulars'));
    showFollowUps(await getJson(base + '/follow-ups'));
    showVisitors(await getJson(base + '/visitors'));
    showOverview(await getJson(base + '/overview'));
    showCharts(await getJson(base + '/charts'));
    showOwners(await getJson(base + '/owners'));
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
  // Head office and administrators also have the chain's reports (/reports).
  document.getElementById('reports-link').hidden =
      !(session.role === 'head-office' || session.role === 'administrator');
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
