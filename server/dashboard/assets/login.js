// The login form: posts JSON to /api/login; the server sets the session cookie.
'use strict';
document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('login-error');
  error.hidden = true;
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({
      name: document.getElementById('name').value,
      password: document.getElementById('password').value,
    }),
  });
  if (response.ok) {
    window.location.assign('/');
    return;
  }
  let message = 'Login failed.';
  try {
    message = (await response.json()).error || message;
  } catch (ignored) {
    // not JSON: keep the generic message
  }
  error.textContent = message;
  error.hidden = false;
});
