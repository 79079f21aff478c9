// Records everything the protocol delivers (env, stdin, prompt file, argv, cwd) into $PROBE_OUT.
const fs = require('node:fs');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SPECKIT_') || k === 'PROBE_EXTRA' || k === 'PWD'));
  fs.writeFileSync(process.env.PROBE_OUT, JSON.stringify({
    env,
    stdin: Buffer.concat(chunks).toString('utf8'),
    promptFile: fs.readFileSync(process.env.SPECKIT_PROMPT_FILE, 'utf8'),
    argv: process.argv.slice(2),
    cwd: process.cwd(),
  }));
  process.stdout.write('probe: stdout line\n');
  process.stderr.write('probe: stderr line\n');
});
