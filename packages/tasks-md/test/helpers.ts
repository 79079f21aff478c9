/** Shared by the engine's specs: fixtures and compact views of plans. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTasks } from '../src/parse';
import { planTasks, type Plan, type PlanOptions } from '../src/plan';

export const FIXTURES = join(__dirname, 'fixtures');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** `{ T005: ['T003', 'T004'], … }`: direct prerequisites only, for exact comparison. */
export function edges(plan: Plan): Record<string, string[]> {
  return Object.fromEntries(Object.entries(plan.dependsOn).map(([id, deps]) => [id, deps.map((d) => d.id)]));
}

/** `{ 'T012<-T010': ['parallel-run', 'explicit'], … }`: the rules behind every kept edge. */
export function rules(plan: Plan): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, deps] of Object.entries(plan.dependsOn)) {
    for (const d of deps) out[`${id}<-${d.id}`] = d.reasons.map((r) => r.rule);
  }
  return out;
}

export function plan(source: string, options: PlanOptions = {}): Plan {
  return planTasks(parseTasks(source), options);
}

/** Markdown from lines (so fixtures written inline keep their exact text). */
export function md(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
