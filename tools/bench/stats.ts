/** Pure helpers of the benchmarks: statistics, seeded durations, an ideal schedule. No I/O, no clocks. */

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** FNV-1a of a string, as an unsigned 32-bit integer. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A duration in [min, max) seconds that depends only on the seed and the key (ms resolution). */
export function seededSeconds(seed: string, key: string, min: number, max: number): number {
  // One round of mulberry32 over the hash spreads neighbouring keys (T001, T002) apart.
  let t = (hash32(`${seed}:${key}`) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const unit = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  return Math.round((min + unit * (max - min)) * 1000) / 1000;
}

export interface Interval {
  start: number;
  end: number;
}

/** From the first start to the last end (0 for none). */
export function span(intervals: Interval[]): number {
  if (!intervals.length) return 0;
  return Math.max(...intervals.map((i) => i.end)) - Math.min(...intervals.map((i) => i.start));
}

/** Most intervals open at the same instant (an end and a start at the same time do not overlap). */
export function peakConcurrency(intervals: Interval[]): number {
  const events = intervals
    .flatMap(
      (i) =>
        [
          [i.start, 1],
          [i.end, -1],
        ] as Array<[number, number]>,
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (open += d));
  return peak;
}

export interface Job {
  id: string;
  seconds: number;
  deps: string[];
}

/**
 * Makespan of greedy list scheduling on `slots` workers with zero overhead: whenever a slot is free,
 * it takes the ready job listed first. What Nx's scheduler could at best do at `--parallel slots`.
 * Jobs must be listed so every job comes after its deps (as in a tasks.md).
 */
export function listSchedule(jobs: Job[], slots: number): number {
  const index = new Map(jobs.map((j, i) => [j.id, i]));
  const finish = new Array<number>(jobs.length).fill(Infinity);
  const started = new Array<boolean>(jobs.length).fill(false);
  const running: Array<{ i: number; end: number }> = [];
  let now = 0;
  let left = jobs.length;
  while (left > 0) {
    for (let i = 0; i < jobs.length && running.length < slots; i++) {
      if (started[i] || !jobs[i].deps.every((d) => finish[index.get(d)!] <= now)) continue;
      started[i] = true;
      running.push({ i, end: now + jobs[i].seconds });
    }
    if (!running.length) throw new Error('listSchedule: a job waits for an unknown or later job');
    running.sort((a, b) => a.end - b.end);
    now = running[0].end;
    while (running.length && running[0].end <= now) {
      finish[running.shift()!.i] = now;
      left--;
    }
  }
  return now;
}
