import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import type { TaskExecutorSchema } from './schema';
import { batchParallelism } from '../../task-runner/batch-parallel';
import { runTask, type RunTaskOptions, type TaskRecord } from '../../task-runner/run-task';
import { runGraph } from '../../task-runner/run-graph';
import { resolveIsolation } from '../../isolation/mode';
import { resolveBudget } from '../../task-runner/spend';
import { readProjectLanes } from '../../plugin/target-metadata';

/** `nx-speckit:task`: one spec-kit task, run by a coding agent, verified and checkpointed. */
export default async function taskExecutor(
  options: TaskExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { signal, release } = abortOnInterrupt();
  try {
    return { success: succeeded(await runTask(runOptions(options, context, context.projectName!, signal))) };
  } finally {
    release();
  }
}

/** One task's result as a batch reports it to Nx. */
interface BatchTaskResult {
  task: string;
  result: {
    success: boolean;
    status: 'success' | 'failure' | 'skipped';
    terminalOutput: string;
    startTime: number;
    endTime: number;
  };
}

/**
 * The batch implementation (`nx run-many -t implement --batch`): Nx runs every task of the batch
 * in this one process instead of forking one per task, which saves Nx's per-task start-up.
 * Tasks start in dependency order, at most `--parallel` at once; each result reaches Nx as soon
 * as the task settles. Each task still checkpoints itself and writes its run record, so progress,
 * resume and the run report are as without `--batch`.
 */
export async function* taskBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, TaskExecutorSchema>,
  _overrides: TaskExecutorSchema,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  const ids = Object.keys(taskGraph.tasks);
  const inBatch = new Set(ids);
  // Prerequisites outside the batch have succeeded already: Nx batches a task only then.
  const dependencies = Object.fromEntries(
    ids.map((id) => [id, (taskGraph.dependencies[id] ?? []).map((edge) => edge.id).filter((d) => inBatch.has(d))]),
  );
  // Printed as it happens (lines carry their task id), and kept as the task's own output for Nx's cache.
  const run = async (id: string, signal: AbortSignal) => {
    const lines: string[] = [];
    const startTime = Date.now();
    const log = (line: string) => {
      lines.push(line);
      console.log(line);
    };
    const record = await runTask({
      ...runOptions(inputs[id], context, taskGraph.tasks[id].target.project, signal),
      log,
    });
    return { record, lines, startTime };
  };

  const { signal, release } = abortOnInterrupt();
  try {
    for await (const outcome of runGraph(
      { ids, dependencies },
      batchParallelism(),
      (id) => run(id, signal),
      (r) => succeeded(r.record),
    )) {
      const endTime = Date.now();
      if (outcome.ran) {
        const { record, lines, startTime } = outcome.result;
        const ok = succeeded(record);
        yield {
          task: outcome.id,
          result: {
            success: ok,
            status: ok ? 'success' : 'failure',
            terminalOutput: `${lines.join('\n')}\n`,
            startTime,
            endTime,
          },
        };
      } else {
        yield {
          task: outcome.id,
          result: {
            success: false,
            status: 'skipped',
            terminalOutput: `not run: its prerequisite ${outcome.blockedBy} did not succeed\n`,
            startTime: endTime,
            endTime,
          },
        };
      }
    }
  } finally {
    release();
  }
}

/** What runTask needs for one task of `project`, from its target options and the executor context. */
function runOptions(
  options: TaskExecutorSchema,
  context: ExecutorContext,
  project: string,
  signal: AbortSignal,
): RunTaskOptions {
  const config = context.projectsConfigurations!.projects[project];
  return {
    workspaceRoot: context.root,
    featureDir: config.root,
    project,
    taskId: options.taskId,
    agent: options.agent,
    verify: options.verify,
    allowIncompleteChecklists: options.allowIncompleteChecklists,
    record: options.record,
    validateOnly: options.validateOnly,
    isolation: resolveIsolation(options.isolation, context.root, batchParallelism()).mode,
    onConflict: options.onConflict,
    isolationLinks: options.isolationLinks,
    budget: resolveBudget(options),
    resources: options.resources,
    optionError: options.optionError,
    // Planned as the graph was: the plugin's `lanes` option decides a task's prerequisites.
    lanes: readProjectLanes(config.metadata),
    signal,
  };
}

const succeeded = (record: TaskRecord) => record.status !== 'failed';

/**
 * Ctrl-C or SIGTERM from Nx aborts the returned signal, so agents' whole process trees stop and
 * nothing is marked. Call the returned `release` when the work is over.
 */
function abortOnInterrupt(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
