// A member's page: merging the same person's other membership into this one
// (POST /api/members/ID/merge?from=OTHER with the session's CSRF token).
'use strict';

async function mergeMember(event) {
  event.preventDefault();
  const form = document.getElementById('merge-form');
  const from = document.getElementById('merge-from').value.trim();
  const result = document.getElementById('merge-result');
  if (!/^[0-9]+$/.test(from)) {
    result.textContent = 'Type the other membership\'s member id (digits only).';
    return;
  }
  try {
    const session = await fetch('/api/session', {credentials: 'same-origin'});
    if (session.status === 401) {
      window.location.assign('/login');
      return;
    }
    const token = (await session.json()).csrf_token;
    const response = await fetch('/api/members/' + form.dataset.memberId + '/merge?from=' + from,
                                 {method: 'POST', credentials: 'same-origin',
                                  headers: {'X-CSRF-Token': token}});
    const body = await response.json();
    if (!response.ok) {
      result.textContent = 'Not merged: ' + (body.error || ('HTTP ' + response.status));
      return;
    }
    result.textContent = 'Merged: ' + body.events_moved + ' events, ' + body.cards_moved +
                         ' cards and ' + body.points_moved + ' points moved here.';
    result.dataset.merged = 'yes';
  } catch (error) {
    result.textContent = 'Not merged: ' + error.message;
  }
}

document.getElementById('merge-form').addEventListener('submit', mergeMember);
