/**
 * What the plugin keeps in `metadata.speckit` of the targets and projects it makes, and the one way
 * to read it back. Nx passes metadata on as plain JSON (through plugin workers and the graph cache)
 * typed as `Record<string, unknown>`, so readers check the shape rather than trust a cast: a
 * target another plugin made, or one from an older graph, reads as "not ours".
 */
import type { CheckboxState, Dependency } from '@nx-speckit/tasks-md';
import type { GateCommandSpec } from '../gates/run-gates';

/** A task target's record: the task as parsed and planned. */
export interface SpeckitTaskMetadata {
  taskId: string;
  checkbox: CheckboxState;
  done: boolean;
  line: number;
  phase: string;
  phaseNumber: number;
  story?: string;
  priority?: string;
  parallel: boolean;
  labels: string[];
  files: string[];
  /** Its prerequisites in the plan, each with the rule that made the edge. */
  dependsOn: Dependency[];
  /** Why a phase gate stands in for tasks of its phase: phase number → those tasks. */
  gates?: Record<string, string[]>;
}

/** A gate target's record: the commands it runs, and the phase it follows (none: the whole feature). */
export interface SpeckitGateMetadata {
  gates: GateCommandSpec[];
  phase?: number;
}

/** A target's metadata as the plugin writes it. */
export interface SpeckitTargetMetadata {
  description?: string;
  technologies: string[];
  help: { command: string; example: Record<string, never> };
  speckit?: SpeckitTaskMetadata | SpeckitGateMetadata;
}

/** A feature project's record. */
export interface SpeckitProjectMetadata {
  diagnostics: string[];
  waves?: string[][];
  criticalPath?: string[];
  lanes?: 'story' | 'none';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');
const speckitOf = (metadata: unknown) =>
  isRecord(metadata) && isRecord(metadata.speckit) ? metadata.speckit : undefined;

/** The task a target runs, or undefined for any other target. */
export function readTaskMetadata(metadata: unknown): SpeckitTaskMetadata | undefined {
  const speckit = speckitOf(metadata);
  if (
    !speckit ||
    typeof speckit.taskId !== 'string' ||
    typeof speckit.done !== 'boolean' ||
    !isStrings(speckit.files) ||
    !Array.isArray(speckit.dependsOn)
  )
    return undefined;
  return speckit as unknown as SpeckitTaskMetadata;
}

/** The commands a gate target runs, or undefined for any other target. */
export function readGateCommands(metadata: unknown): GateCommandSpec[] | undefined {
  const gates = speckitOf(metadata)?.gates;
  const isCommand = (g: unknown) => isRecord(g) && isStrings(g.command) && g.command.length > 0;
  return Array.isArray(gates) && gates.every(isCommand) ? (gates as GateCommandSpec[]) : undefined;
}

/** A target's description (`T001: Model in src/a.ts` for a task), if it has one. */
export function readDescription(metadata: unknown): string | undefined {
  return isRecord(metadata) && typeof metadata.description === 'string' ? metadata.description : undefined;
}

/** The `lanes` a feature project was planned with, or undefined when it has none or another value. */
export function readProjectLanes(metadata: unknown): SpeckitProjectMetadata['lanes'] {
  const lanes = speckitOf(metadata)?.lanes;
  return lanes === 'story' || lanes === 'none' ? lanes : undefined;
}
