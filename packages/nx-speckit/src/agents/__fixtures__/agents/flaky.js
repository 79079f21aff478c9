// Fails until attempt $SUCCEED_ON; logs each attempt number to $ATTEMPTS_FILE.
const fs = require('node:fs');
const attempt = Number(process.env.SPECKIT_ATTEMPT);
fs.appendFileSync(process.env.ATTEMPTS_FILE, `${attempt}\n`);
if (attempt < Number(process.env.SUCCEED_ON)) {
  process.stderr.write(`flaky: attempt ${attempt} fails\n`);
  process.exit(1);
}
