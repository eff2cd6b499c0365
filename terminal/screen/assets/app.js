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

// What the cashier does next for a card that is not greeted (docs/cashier-screen.md).
const TODO = {
  'unknown': 'Offer to enroll them: press Enter, or choose "Enroll this customer".',
  'blocked': 'Do not accept this card. Ask for their current card; a lost card can be replaced.',
  'refused': 'Do not accept this card: it may be forged or copied. Ask for their usual card; ' +
             'tell a manager if it happens again.',
  'bad-read': 'Scan again, or type the 16 digits printed on the card.',
  'not-recorded': 'Scan again. If it happens again, call for help: the terminal needs attention.',
};

let currentScan = 0;  // the board's number of the scan on screen (enroll and notes name it)

function showScan(scan, seq) {
  currentScan = seq;
  $('idle').hidden = true;
  $('enroll').hidden = true;
  $('enrolled').hidden = true;
  $('note-result').hidden = true;
  say('find-result', '');  // a search's answer belongs to the customer before this one
  const greeted = scan.outcome === 'member';
  $('greeting').hidden = !greeted;
  $('problem').hidden = greeted;
  if (greeted) {
    text('member-name', scan.name, '');
    text('reward-tier', scan.reward_tier, 'no reward tier yet');
    text('visits', scan.visit_number, '');
    text('last-visit', scan.last_visit_ago, 'first visit');
    text('points', scan.points_balance, 'no points yet');
    $('birthday').hidden = !scan.birthday_hint;
    $('birthday').textContent = scan.birthday_hint || '';
    $('staff-hint').hidden = !scan.staff_hint;
    $('staff-hint').textContent = scan.staff_hint ? 'Staff only: ' + scan.staff_hint : '';
    $('usual-order').hidden = !scan.usual_order;
    $('usual-order').textContent = scan.usual_order ? 'Usual: ' + scan.usual_order : '';
    resetCounterForms();
    showPanel(scan.panel || {offers: scan.offers || [], sales: []});
    const notes = scan.notes || [];
    $('notes-empty').hidden = notes.length > 0;
    const list = $('notes');
    list.replaceChildren();
    for (const note of notes) {
      const item = document.createElement('li');
      const where = note.store ? ', at ' + note.store : '';
      item.textContent = note.topic + ': ' + note.text + ' (' + note.noted_at.slice(0, 10) + where + ')';
      list.appendChild(item);
    }
    $('prompt-form').hidden = !scan.prompt;
    $('prompt').textContent = scan.prompt || '';
    $('prompt-answer').value = '';
    $('note-text').value = '';
    if (scan.prompt) $('prompt-answer').focus();
  } else {
    $('problem').dataset.outcome = scan.outcome;
    text('problem-title', scan.headline, 'Card not read');
    text('problem-message', scan.message, '');
    text('problem-todo', TODO[scan.outcome], '');
    const enrollable = scan.outcome === 'unknown' && !!scan.card_last4;
    $('enroll-open').hidden = !enrollable;
    $('enroll-last4').textContent = scan.card_last4 || '';
    if (enrollable) $('enroll-open').focus();
  }
  document.body.dataset.scans = String(Number(document.body.dataset.scans || 0) + 1);
}

function openEnroll() {
  $('enroll-form').reset();
  $('enroll-error').hidden = true;
  $('problem').hidden = true;
  $('enroll').hidden = false;
  $('enroll-name').focus();
}

async function sendEnroll() {
  const value = (id) => $(id).value.trim();
  const body = {
    scan: currentScan,
    name: value('enroll-name'),
    phone: value('enroll-phone'),
    email: value('enroll-email'),
    birth_date: value('enroll-birth'),
    marketing: $('enroll-marketing').checked,
    personalisation: $('enroll-personalisation').checked,
    channel: value('enroll-channel'),
    referred_by: value('enroll-referrer').replace(/\s+/g, ''),
    needs: [],
  };
  if (value('enroll-need1')) body.needs.push('Usually comes in for: ' + value('enroll-need1'));
  if (value('enroll-need2')) body.needs.push('Could do better: ' + value('enroll-need2'));
  const response = await post('/api/enroll', body);
  const answer = await response.json().catch(() => ({error: 'no answer from the terminal'}));
  if (!response.ok) {
    $('enroll-error').hidden = false;
    $('enroll-error').textContent = answer.error || 'NOT enrolled';
    return;
  }
  $('enroll').hidden = true;
  $('enrolled').hidden = false;
  $('enrolled-message').textContent = answer.message;
  document.body.dataset.enrolled = answer.event_id;
}

async function sendNote(topic, textValue, done) {
  const response = await post('/api/note', {scan: currentScan, topic, text: textValue});
  const answer = await response.json().catch(() => ({error: 'no answer from the terminal'}));
  $('note-result').hidden = false;
  $('note-result').textContent = response.ok ? answer.message : answer.error;
  if (response.ok) {
    done();
    const item = document.createElement('li');
    item.textContent = topic + ': ' + textValue + ' (just now)';
    $('notes').prepend(item);
    $('notes-empty').hidden = true;
    document.body.dataset.notes = String(Number(document.body.dataset.notes || 0) + 1);
  }
}

function showStatus(status) {
  $('online').hidden = !status.online;
  $('offline').hidden = status.online;
  $('pending').textContent = String(status.pending);
  document.body.dataset.live = 'yes';  // the event stream is connected
  // The member on screen as they are now (a sale, a redemption, a sync): same scan only.
  if (status.panel && status.panel.scan === currentScan && !$('greeting').hidden) {
    showPanel(status.panel);
  }
}

function listen() {
  if (stream) return;
  const source = new EventSource('/events');
  stream = source;
  source.addEventListener('scan', (e) => showScan(JSON.parse(e.data), Number(e.lastEventId)));
  source.addEventListener('status', (e) => showStatus(JSON.parse(e.data)));
  source.onerror = () => {
    // The stream is held open; when it drops (terminal restarted, a slow page cut off) the
    // browser reconnects by itself after `retry` (CONNECTING) and the reconnect brings the
    // current state (the scan missed, by Last-Event-ID, and the status). CLOSED means it gave
    // up: signed out (401), or something else went wrong.
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

$('enroll-open').addEventListener('click', openEnroll);
$('enroll-cancel').addEventListener('click', () => {
  $('enroll').hidden = true;
  $('problem').hidden = false;
  $('enroll-open').focus();
});
$('enroll-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sendEnroll();
});
$('note-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const noted = $('note-text').value.trim();
  if (noted) sendNote($('note-topic').value, noted, () => { $('note-text').value = ''; });
});
$('prompt-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const answer = $('prompt-answer').value.trim();
  if (!answer) return;
  const asked = $('prompt').textContent.replace(/^Last time: /, '').replace(/ - ask how it was$/, '');
  sendNote('feedback', 'Asked about "' + asked + '": ' + answer, () => {
    $('prompt-form').hidden = true;
  });
});

// Find a member by name or phone; replace a lost card (the old one is blocked, history kept).
let replacing = null;  // {member_id, lost_last4, name}

function say(id, message) {
  $(id).hidden = !message;
  $(id).textContent = message || '';
}

$('find-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('replace-form').hidden = true;
  const response = await post('/api/find', {query: $('find-query').value.trim()});
  const answer = await response.json().catch(() => ({error: 'no answer from the terminal'}));
  const list = $('found');
  list.replaceChildren();
  if (!response.ok) { say('find-result', answer.error); return; }
  say('find-result', answer.members.length ? ''
      : answer.by === 'phone' ? 'Nobody with that phone in this store.'
      : 'Nobody of that name in this store.');
  for (const member of answer.members) {
    const item = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = member.name + (member.cards.length ? ' - cards ending ' +
        member.cards.join(', ') : ' - no active card');
    item.appendChild(name);
    for (const last4 of member.cards) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Card ' + last4 + ' lost: replace';
      button.dataset.member = String(member.id);
      button.dataset.last4 = last4;
      button.addEventListener('click', () => {
        replacing = {member_id: member.id, lost_last4: last4, name: member.name};
        $('replace-who').textContent = member.name + ' (lost card ending ' + last4 + ')';
        $('replace-card').value = '';
        $('replace-form').hidden = false;
        $('replace-card').focus();
      });
      item.appendChild(button);
    }
    list.appendChild(item);
  }
  const first = list.querySelector('button');
  if (first) first.focus();
});

$('replace-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!replacing) return;
  const response = await post('/api/replace-card', {
    member_id: replacing.member_id, lost_last4: replacing.lost_last4,
    new_card: $('replace-card').value.trim(),
  });
  const answer = await response.json().catch(() => ({error: 'no answer from the terminal'}));
  say('find-result', response.ok ? answer.message : answer.error);
  if (response.ok) {
    $('replace-form').hidden = true;
    $('found').replaceChildren();
    replacing = null;
    document.body.dataset.replaced = answer.event_id;
  }
});

// ---- The member panel: points, offers (one-touch redeem), sales, refunds, gestures ----

let shownOffers = null;  // the offers drawn, as JSON: redrawn only when they change
let shownSales = null;

// Redraws the children of `list` with `draw`, keeping the keyboard focus on the element
// with the same id (a redraw must not throw the cashier out of what they were doing).
function redraw(list, draw) {
  const focusedId = document.activeElement ? document.activeElement.id : '';
  list.replaceChildren();
  draw();
  if (focusedId && $(focusedId) && document.activeElement !== $(focusedId)) $(focusedId).focus();
}

function showPanel(panel) {
  if (panel.visit_count !== undefined) text('visits', panel.visit_count, '');
  if ('points_balance' in panel || panel.visit_count !== undefined) {
    text('points', panel.points_balance, 'no points yet');
  }
  const offers = panel.offers || [];
  const offersKey = JSON.stringify(offers);
  if (offersKey !== shownOffers) {
    shownOffers = offersKey;
    $('offers-empty').hidden = offers.length > 0;
    redraw($('offers'), () => {
      for (const offer of offers) {
        const item = document.createElement('li');
        const what = document.createElement('span');
        what.textContent = offer.name + ' - ' +
            (offer.points > 0 ? offer.points + ' points' : 'free');
        item.appendChild(what);
        const button = document.createElement('button');
        button.type = 'button';
        button.id = 'offer-redeem-' + offer.id;
        button.dataset.offer = offer.id;
        if (offer.to_go > 0) {
          button.disabled = true;
          button.textContent = offer.to_go + ' points to go';
        } else {
          button.textContent = 'Redeem';
          button.addEventListener('click', () => redeem(offer, button));
        }
        item.appendChild(button);
        const no = document.createElement('button');
        no.type = 'button';
        no.id = 'offer-decline-' + offer.id;
        no.textContent = 'Not today';
        no.addEventListener('click', () => decline(offer, no));
        item.appendChild(no);
        $('offers').appendChild(item);
      }
    });
  }
  const sales = panel.sales || [];
  const salesKey = JSON.stringify(sales);
  if (salesKey !== shownSales) {
    shownSales = salesKey;
    const chosen = document.querySelector('#refund-list input:checked');
    const keep = chosen ? chosen.value : '';
    $('refund-empty').hidden = sales.length > 0;
    $('refund-form').hidden = sales.length === 0;
    const list = $('refund-list');
    redraw(list, () => {
      const legend = document.createElement('legend');
      legend.textContent = 'Recent sales';
      list.appendChild(legend);
      for (const sale of sales) {
        const label = document.createElement('label');
        const radio = document.createElement('input');
        radio.type = 'radio';
        radio.name = 'sale';
        radio.value = sale.id;
        radio.id = 'refund-sale-' + sale.id;
        radio.disabled = sale.refundable_cents <= 0;
        radio.checked = sale.id === keep && !radio.disabled;
        label.appendChild(radio);
        // A purchase at another till (sent by the server) may be weeks old: its day and store.
        const when = sale.at.slice(0, 10) === new Date().toISOString().slice(0, 10)
          ? sale.at.slice(11, 16) : sale.at.slice(0, 10) + ' ' + sale.at.slice(11, 16);
        label.append(' ' + when + (sale.store ? ' at ' + sale.store : '') + ' ' +
            sale.summary + ' - ' +
            cents(sale.total_cents) + (sale.refundable_cents <= 0 ? ' (refunded)'
            : sale.refundable_cents < sale.total_cents
              ? ' (' + cents(sale.refundable_cents) + ' left to refund)' : ''));
        list.appendChild(label);
      }
    });
  }
}

function cents(n) {
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  return sign + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0');
}

// A result line under a form: what was done, or in red what went wrong.
function result(id, ok, message) {
  say(id, message);
  $(id).classList.toggle('failed', !ok);
}

async function act(path, body) {
  const response = await post(path, Object.assign({scan: currentScan}, body));
  const answer = await response.json().catch(() => ({error: 'no answer from the terminal'}));
  return {ok: response.ok, answer};
}

// One touch: the offer is redeemed at once (the terminal checks the points, online or
// within the offline limit) and the refusal, if any, says why.
async function redeem(offer, button) {
  button.disabled = true;
  const {ok, answer} = await act('/api/redeem', {offer_id: offer.id});
  result('offer-result', ok, ok ? answer.message : answer.error);
  if (ok) document.body.dataset.redeemed = answer.event_id; else button.disabled = false;
}

// The customer said no: recorded as declined (the offer is not made again for a while); the
// panel pushed next no longer lists it.
async function decline(offer, button) {
  button.disabled = true;
  const {ok, answer} = await act('/api/decline', {offer_id: offer.id});
  result('offer-result', ok, ok ? answer.message : answer.error);
  if (ok) document.body.dataset.declined = answer.event_id; else button.disabled = false;
}

let saleLines = 0;

function addSaleLine() {
  saleLines += 1;
  const n = saleLines;
  const line = document.createElement('div');
  line.className = 'sale-line';
  const field = (name, label, attrs) => {
    const span = document.createElement('span');
    const l = document.createElement('label');
    l.htmlFor = 'sale-' + name + '-' + n;
    l.textContent = label;
    const input = document.createElement('input');
    input.id = 'sale-' + name + '-' + n;
    for (const [k, v] of Object.entries(attrs)) input.setAttribute(k, v);
    input.addEventListener('input', saleTotal);
    span.append(l, input);
    line.appendChild(span);
    return input;
  };
  field('product', 'Product', {maxlength: '200'});
  field('category', 'Category', {maxlength: '200', list: 'sale-categories'});
  field('quantity', 'Qty', {inputmode: 'numeric', maxlength: '5', class: 'short'}).value = '1';
  field('amount', 'Amount', {inputmode: 'decimal', maxlength: '14', class: 'short',
                             placeholder: '0.00'});
  $('sale-lines').appendChild(line);
  return n;
}

function amountCents(textValue) {
  const m = /^\s*(\d{1,10})(?:[.,](\d{1,2}))?\s*$/.exec(textValue);
  if (!m) return null;
  return Number(m[1]) * 100 + (m[2] ? Number(m[2].padEnd(2, '0')) : 0);
}

function saleLinesTyped() {
  const lines = [];
  for (let n = 1; n <= saleLines; n++) {
    const v = (name) => $('sale-' + name + '-' + n).value.trim();
    if (!v('product') && !v('amount')) continue;  // an empty line is left out
    lines.push({product: v('product'), category: v('category'), quantity: v('quantity'),
                amount: v('amount')});
  }
  return lines;
}

function saleTotal() {
  let total = 0;
  for (const line of saleLinesTyped()) total += amountCents(line.amount) || 0;
  $('sale-total').textContent = cents(total);
}

function resetSaleForm() {
  $('sale-lines').replaceChildren();
  saleLines = 0;
  addSaleLine();
  saleTotal();
}

function resetCounterForms() {
  shownOffers = null;
  shownSales = null;
  resetSaleForm();
  $('refund-form').reset();
  $('gesture-form').reset();
  for (const id of ['offer-result', 'sale-result', 'refund-result', 'gesture-result']) say(id, '');
}

$('sale-add-line').addEventListener('click', () => {
  const n = addSaleLine();
  $('sale-product-' + n).focus();
});
$('sale-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const lines = saleLinesTyped();
  if (!lines.length) { result('sale-result', false, 'Type at least one line.'); return; }
  $('sale-submit').disabled = true;
  const {ok, answer} = await act('/api/sale', {lines});
  $('sale-submit').disabled = false;
  result('sale-result', ok, ok ? answer.message : answer.error);
  if (ok) {
    document.body.dataset.sale = answer.event_id;
    resetSaleForm();
    $('sale-product-1').focus();
  }
});
$('refund-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const chosen = document.querySelector('#refund-list input:checked');
  if (!chosen) { result('refund-result', false, 'Choose the sale to refund.'); return; }
  const {ok, answer} = await act('/api/refund', {sale: chosen.value,
                                                 amount: $('refund-amount').value.trim()});
  result('refund-result', ok, ok ? answer.message : answer.error);
  if (ok) {
    document.body.dataset.refund = answer.event_id;
    $('refund-amount').value = '';
  }
});
$('gesture-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const {ok, answer} = await act('/api/gesture', {points: $('gesture-points').value.trim(),
                                                  reason: $('gesture-reason').value.trim()});
  result('gesture-result', ok, ok ? answer.message : answer.error);
  if (ok) {
    document.body.dataset.gesture = answer.event_id;
    $('gesture-form').reset();
  }
});

$('signout').addEventListener('click', async () => {
  await post('/api/logout');
  delete document.body.dataset.signedIn;
  showSignIn('');
});

fetch('/api/session', {credentials: 'same-origin'}).then(async (r) => {
  if (r.ok) showScreen((await r.json()).name); else showSignIn('');
});
