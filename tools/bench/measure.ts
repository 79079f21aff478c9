/** Runs commands under /usr/bin/time and keeps wall time and peak RSS, side by side. */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './stats';
import { REPO_ROOT } from './workspaces';

export const NX = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

export interface Sample {
  seconds: number;
  rssMb: number;
}

export const nxEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  CI: 'true',
  FORCE_COLOR: '0',
  ...extra,
});

/** One timed run; throws with the output when the command fails (a benchmark of a failure is worthless). */
export function timed(cwd: string, args: string[], env: NodeJS.ProcessEnv = nxEnv()): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '@@%e %M', process.execPath, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = r.stderr
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('@@'));
  if (r.status !== 0 || !line)
    throw new Error(
      `${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
    );
  const [seconds, kb] = line.slice(2).split(' ').map(Number);
  return { seconds, rssMb: kb / 1024 };
}

export function clearNxState(root: string) {
  rmSync(join(root, '.nx'), { recursive: true, force: true });
}

/**
 * Alternates the candidates (A B A B …) so drift on a shared, noisy machine hits all of them alike,
 * and returns each candidate's median of every numeric field.
 */
export function interleaved<K extends string, S extends Sample>(
  rounds: number,
  runs: Record<K, () => S>,
): Record<K, S> {
  const keys = Object.keys(runs) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as S[]])) as unknown as Record<K, S[]>;
  for (let i = 0; i < rounds; i++) for (const k of keys) samples[k].push(runs[k]());
  return Object.fromEntries(
    keys.map((k) => {
      const list = samples[k];
      const fields = Object.keys(list[0]) as Array<keyof S>;
      return [k, Object.fromEntries(fields.map((f) => [f, median(list.map((x) => Number(x[f])))])) as unknown as S];
    }),
  ) as unknown as Record<K, S>;
}
