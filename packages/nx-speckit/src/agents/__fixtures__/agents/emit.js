// Prints $EMIT_FILE (or nothing) to stdout, $EMIT_STDERR to stderr, and exits with $EXIT_CODE.
const fs = require('node:fs');
if (process.env.EMIT_FILE) process.stdout.write(fs.readFileSync(process.env.EMIT_FILE));
if (process.env.EMIT_STDERR) process.stderr.write(process.env.EMIT_STDERR + '\n');
process.exitCode = Number(process.env.EXIT_CODE ?? 0);
