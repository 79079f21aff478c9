/**
 * Every name the plugin gives Nx, made and read back in one place: projects, executors, and the
 * targets under the plugin's target name (`implement`, `implement--T001`, `implement--US1`,
 * `implement--P1`, `implement--phase2`, `implement--gate`, `implement--phase2-gate`).
 */
import { posix } from 'node:path';

export const TASK_EXECUTOR = 'nx-speckit:task';
export const GATE_EXECUTOR = 'nx-speckit:gate';

/** `specs/003-real-time-chat` → `spec-003-real-time-chat`: one project per feature folder. */
export function projectName(root: string): string {
  return `spec-${posix.basename(root)}`;
}

const SEPARATOR = '--';

/** One of a feature's targets under the plugin's target name: `implement--T001`, `implement--US1`. */
export function subTarget(base: string, suffix: string): string {
  return `${base}${SEPARATOR}${suffix}`;
}

/** `implement--phase2`: the aggregate that runs one phase's open tasks (and its gate, while the phase has any). */
export function phaseTargetName(base: string, phase: number): string {
  return subTarget(base, `phase${phase}`);
}

/** The gate after every task of the feature (no phase), or after one phase's tasks. */
export function gateTargetName(base: string, phase?: number): string {
  return subTarget(base, phase === undefined ? 'gate' : `phase${phase}-gate`);
}

/** Whether `target` is the plugin's: its target name itself or one below it. */
export function isPluginTarget(base: string, target: string): boolean {
  return target === base || subTargetSuffix(base, target) !== undefined;
}

/** What follows `implement--` (a task id, `US1`, `phase2-gate`, …); undefined for any other target. */
export function subTargetSuffix(base: string, target: string): string | undefined {
  const prefix = `${base}${SEPARATOR}`;
  return target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
}

/** `implement--T001` with suffix `T001` → `implement`: the plugin's target name a sub-target sits under. */
export function baseOfSubTarget(target: string, suffix: string): string | undefined {
  const end = `${SEPARATOR}${suffix}`;
  return target.endsWith(end) && target.length > end.length ? target.slice(0, -end.length) : undefined;
}

/** `implement--phase2-gate` → 2; undefined for any other target. */
export function gatePhase(base: string, target: string): number | undefined {
  const match = subTargetSuffix(base, target)?.match(/^phase(\d+)-gate$/);
  return match ? Number(match[1]) : undefined;
}
