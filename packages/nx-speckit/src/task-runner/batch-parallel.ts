/**
 * How many tasks the batch implementation runs at once. Nx hands a batch to one process without
 * its `--parallel`, so the pre-run hook resolves it (see `runParallelism`) and passes it on in
 * this variable; a batch started without the hook runs Nx's default of 3.
 */
export const BATCH_PARALLEL_ENV = 'SPECKIT_BATCH_PARALLEL';

export function batchParallelism(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env[BATCH_PARALLEL_ENV]);
  return Number.isInteger(n) && n >= 1 ? n : 3;
}
