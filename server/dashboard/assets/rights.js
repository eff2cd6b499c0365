// A member's page, for head office: erasing the member (docs/members-rights.md, "From the
// dashboard"). The first button shows the confirmation; it needs a reason and the member's
// id typed again, then POST /api/members/ID/erase?confirm=ID&reason=... with the session's
// CSRF token. The export is a plain download link.
'use strict';

function showEraseConfirmation() {
  document.getElementById('erase-confirm').hidden = false;
  document.getElementById('erase-button').hidden = true;
  document.getElementById('erase-reason').focus();
}

async function eraseMember(event) {
  event.preventDefault();
  const form = document.getElementById('erase-form');
  const id = form.dataset.memberId;
  const typed = document.getElementById('erase-id').value.trim();
  const reason = document.getElementById('erase-reason').value.trim();
  const result = document.getElementById('erase-result');
  if (typed !== id) {
    result.textContent = 'Not erased: type this member\'s id (' + id + ') to confirm.';
    return;
  }
  if (reason === '') {
    result.textContent = 'Not erased: say why (no personal data).';
    return;
  }
  try {
    const session = await fetch('/api/session', {credentials: 'same-origin'});
    if (session.status === 401) {
      window.location.assign('/login');
      return;
    }
    const token = (await session.json()).csrf_token;
    const response = await fetch('/api/members/' + id + '/erase?confirm=' +
                                 encodeURIComponent(typed) + '&reason=' +
                                 encodeURIComponent(reason),
                                 {method: 'POST', credentials: 'same-origin',
                                  headers: {'X-CSRF-Token': token}});
    const body = await response.json();
    if (!response.ok) {
      result.textContent = 'Not erased: ' + (body.error || ('HTTP ' + response.status));
      return;
    }
    result.textContent = body.already_erased
        ? 'This member was erased before; the database file was rewritten again.'
        : 'Erased: ' + body.cards_removed + ' card(s) and ' + body.notes_removed +
          ' note(s) removed. Terminals remove the member at their next sync.';
    result.dataset.erased = 'yes';
    document.getElementById('erase-confirm').hidden = true;
  } catch (error) {
    result.textContent = 'Not erased: ' + error.message;
  }
}

document.getElementById('erase-button').addEventListener('click', showEraseConfirmation);
document.getElementById('erase-form').addEventListener('submit', eraseMember);
