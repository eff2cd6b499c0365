// tests/browser-pw/lib/pos.js
//
// A POS talking to the terminal's POS integration API (docs/pos-api.md) the way the docs ask:
// HTTPS with the terminal's public key pinned (its certificate names the terminal, not
// 127.0.0.1, and is for client auth, so the usual checks cannot pass; curl -k
// --pinnedpubkey does the same), checked before a byte of the request (the bearer key) is
// sent, and an Idempotency-Key on every POST.
'use strict';
const crypto = require('crypto');
const https = require('https');
const tls = require('tls');

function pinnedConnection(origin, spki) {
  const url = new URL(origin);
  return (options, done) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false,
                                 minVersion: 'TLSv1.3' });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      let pin = '';
      if (cert && cert.raw) {
        const spkiDer = new crypto.X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
        pin = crypto.createHash('sha256').update(spkiDer).digest('base64');
      }
      if (pin !== spki) {
        socket.destroy();
        done(new Error(`the POS API presented key ${pin || '(none)'}, not the terminal's ${spki}`));
        return;
      }
      done(null, socket);
    });
    socket.once('error', (e) => done(e));
  };
}

// POST `body` (an object) to `path`; resolves to { status, headers, json }.
function post(config, path, body, idempotencyKey) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = https.request(config.pos_origin + path, {
      method: 'POST',
      createConnection: pinnedConnection(config.pos_origin, config.spki),
      headers: {
        'Authorization': `Bearer ${config.pos_key}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(payload),
        'Idempotency-Key': idempotencyKey,
      },
    }, (response) => {
      let data = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { data += chunk; });
      response.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch (e) { json = { unparsed: data }; }
        resolve({ status: response.statusCode, headers: response.headers, json });
      });
    });
    request.on('error', reject);
    request.setTimeout(10000, () => request.destroy(new Error(`POST ${path} timed out`)));
    request.end(payload);
  });
}

module.exports = { post };
