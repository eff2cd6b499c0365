// tests/browser-pw/lib/harness.js
//
// The script's side of the line protocol with the C++ harness
// (tests/browser/playwright_harness.h lists the requests): one request line on standard
// output, one answer line on standard input, strictly in turn. An answer "FAIL ..." throws.
// Standard output carries nothing else; logs go to standard error.
'use strict';
const readline = require('readline');

class Harness {
  constructor() {
    this.waiting = [];
    this.lines = [];
    this.closed = false;
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next.resolve(line); else this.lines.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('the harness closed the pipe'));
    });
    this.rl = rl;
  }

  // Sends `request`; resolves to the words after "OK" (a string, possibly empty).
  async ask(request) {
    if (request.includes('\n')) throw new Error('a request is one line');
    if (!request.startsWith('SERVER-EVENTS') && !request.startsWith('LATENCY')) {
      console.error(new Date().toISOString(), `harness <- ${request}`);
    }
    process.stdout.write(request + '\n');
    const answer = await new Promise((resolve, reject) => {
      if (this.lines.length > 0) return resolve(this.lines.shift());
      if (this.closed) return reject(new Error('the harness closed the pipe'));
      this.waiting.push({ resolve, reject });
    });
    if (answer === 'OK') return '';
    if (answer.startsWith('OK ')) return answer.slice(3);
    throw new Error(`harness: ${request} -> ${answer}`);
  }

  // The emulated reader types `card`; resolves to the wall-clock time (ms since the Unix
  // epoch) at which the terminal's driver took the last report of the read.
  async scan(card) {
    return Number(await this.ask(`SCAN ${card}`));
  }

  // Polls the server's count of `member`'s events of `kind` (SERVER-EVENTS) until it is `n`;
  // throws with the last count after `timeout` ms.
  async waitServerEvents(kind, n, member = '', timeout = 20000) {
    const deadline = Date.now() + timeout;
    let seen = '';
    for (;;) {
      seen = await this.ask(`SERVER-EVENTS ${kind}${member ? ' ' + member : ''}`);
      if (seen === String(n)) return;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the server has ${seen} ${kind} events for ${member || 'the member'}, expected ${n}`);
  }

  close() {
    this.rl.close();
  }
}

module.exports = { Harness };
