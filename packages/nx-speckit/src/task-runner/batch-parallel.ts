/**
 * How many tasks the batch implementation runs at once. Nx hands a batch to one process without
 * its `--parallel`, so the pre-run hook resolves it (see `runParallelism`) and passes it on in
 * this variable; a batch started without the hook runs Nx's default of 3.
 */
export const BATCH_PARALLEL_ENV = 'SPECKIT_BATCH_PARALLEL';

/** How many tasks a batch runs at once: the value the pre-run hook passed on, else Nx's default of 3. */
export function batchParallelism(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env[BATCH_PARALLEL_ENV]);
  return Number.isInteger(n) && n >= 1 ? n : 3;
}
