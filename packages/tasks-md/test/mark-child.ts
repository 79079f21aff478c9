/**
 * A separate process that marks one task, for the checkpoint spec's concurrency test.
 * Usage: node -r @swc-node/register mark-child.ts <tasks.md> <task id>
 * It says `ready` once loaded and marks on the first line of stdin, so that all children
 * reach the lock at the same moment instead of one after another as they finish booting.
 */
import { markDone } from '../src/checkpoint';

const [file, taskId] = process.argv.slice(2);
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  markDone(file, taskId).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
