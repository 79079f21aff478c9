/** Runs commands under /usr/bin/time and keeps wall time and peak RSS, side by side. */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './workspaces';

export const NX = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

export interface Sample {
  seconds: number;
  rssMb: number;
}

export const nxEnv = (extra: Record<string, string> = {}) => ({
  ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0', ...extra,
});

/** One timed run; throws with the output when the command fails (a benchmark of a failure is worthless). */
export function timed(cwd: string, args: string[], env: NodeJS.ProcessEnv = nxEnv()): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '@@%e %M', process.execPath, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const line = r.stderr.split('\n').reverse().find((l) => l.startsWith('@@'));
  if (r.status !== 0 || !line) throw new Error(`${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const [seconds, kb] = line.slice(2).split(' ').map(Number);
  return { seconds, rssMb: kb / 1024 };
}

export function clearNxState(root: string) {
  rmSync(join(root, '.nx'), { recursive: true, force: true });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Alternates the candidates (A B A B …) so drift on a shared, noisy machine hits all of them alike,
 * and returns each candidate's median.
 */
export function interleaved<K extends string>(rounds: number, runs: Record<K, () => Sample>): Record<K, Sample> {
  const samples = Object.fromEntries(Object.keys(runs).map((k) => [k, [] as Sample[]])) as unknown as Record<K, Sample[]>;
  for (let i = 0; i < rounds; i++) for (const k of Object.keys(runs) as K[]) samples[k].push(runs[k]());
  return Object.fromEntries(Object.entries(samples).map(([k, list]) => {
    const l = list as Sample[];
    return [k, { seconds: median(l.map((s) => s.seconds)), rssMb: median(l.map((s) => s.rssMb)) }];
  })) as unknown as Record<K, Sample>;
}
