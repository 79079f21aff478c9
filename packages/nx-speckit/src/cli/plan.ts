/**
 * Prints how a feature's tasks.md will run: phases, waves, the critical path, each task's direct
 * prerequisites with the rule behind each, and the diagnostics. Needs no Nx: it is the package's
 * `nx-speckit-plan` command (what the spec-kit `after_tasks` hook runs) and, in this repository,
 * `npm run plan`.
 *
 *   npx nx-speckit-plan specs/001-photo-albums [--lanes story] [--durations times.json] [--json]
 *
 * Exit code 1 when the feature has errors (it would not run), 2 on bad usage.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import {
  analyzeFeature,
  formatDiagnostic,
  readFeature,
  type FeatureAnalysis,
  type PlanOptions,
} from '@nx-speckit/tasks-md';

const USAGE =
  'usage: nx-speckit-plan <feature folder | tasks.md> [--lanes story|none] [--durations <file.json>] [--json]';

interface Args {
  target: string;
  lanes: 'story' | 'none';
  durations?: string;
  json: boolean;
}

/** `{ "T001": 30, … }` (a duration per task, any one unit) from `file`, or what is wrong with it. */
function readDurations(file: string): Record<string, number> | string {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return `--durations ${file}: ${(error as Error).message}`;
  }
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  return ok
    ? (value as Record<string, number>)
    : `--durations ${file}: expected task ids with non-negative numbers, like { "T001": 30 }`;
}

/**
 * The `nx-speckit-plan` command on its arguments (no node, no script path): writes the report or its JSON
 * to `out` and returns the exit code (0, 1 when the feature has errors, 2 on bad usage).
 */
export function main(
  argv: string[],
  cwd = process.cwd(),
  out: (s: string) => void = (s) => process.stdout.write(s),
): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(`${USAGE}\n`);
    return 0;
  }
  let args: Args;
  try {
    args = readArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const found = locateFeature(args.target, cwd);
  if (typeof found === 'string') {
    process.stderr.write(`${found}\n${USAGE}\n`);
    return 2;
  }
  const options: PlanOptions = { lanes: args.lanes };
  if (args.durations) {
    const durations = readDurations(resolve(cwd, args.durations));
    if (typeof durations === 'string') {
      process.stderr.write(`${durations}\n${USAGE}\n`);
      return 2;
    }
    options.durations = durations;
  }
  const analysis = analyzeFeature(readFeature(found.root, found.dir), options);
  out(
    args.json
      ? `${JSON.stringify(toJson(found.dir, args.lanes, analysis), null, 2)}\n`
      : report(found.dir, args, analysis),
  );
  return analysis.ok ? 0 : 1;
}

function readArgs(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        lanes: { type: 'string', default: 'none' },
        durations: { type: 'string' },
      },
    });
  } catch (error) {
    // Node's wording names the option; the code prefix (ERR_PARSE_ARGS_…) says nothing to a user.
    throw new Error(
      (error as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ''),
      { cause: error },
    );
  }
  const { values, positionals } = parsed;
  if (values.lanes !== 'story' && values.lanes !== 'none')
    throw new Error(`--lanes must be "story" or "none", not "${values.lanes}"`);
  if (positionals.length > 1) throw new Error(`one feature at a time (got ${positionals.join(' and ')})`);
  if (!positionals.length) throw new Error('which feature? give its folder or its tasks.md');
  return {
    target: positionals[0],
    lanes: values.lanes,
    json: values.json,
    ...(values.durations !== undefined && { durations: values.durations }),
  };
}

/**
 * The workspace root and the feature folder as the diagnostics should name it: relative to the
 * current folder when inside it (`specs/001-x/tasks.md:12`), else absolute.
 */
function locateFeature(target: string, cwd: string): { root: string; dir: string } | string {
  const path = resolve(cwd, target);
  if (!existsSync(path)) return `${target}: no such file or folder`;
  let folder = path;
  if (statSync(path).isFile()) {
    if (basename(path) !== 'tasks.md') return `${target}: expected a feature folder or its tasks.md`;
    folder = dirname(path);
  }
  const rel = relative(cwd, folder);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { root: '', dir: folder.split(sep).join('/') };
  return { root: cwd, dir: rel.split(sep).join('/') };
}

function report(dir: string, args: Args, { parsed, plan, diagnostics }: FeatureAnalysis): string {
  const lines: string[] = [];
  const done = parsed.tasks.filter((t) => t.done).length;
  lines.push(
    `Feature ${dir}: ${parsed.tasks.length} tasks (${done} done) in ${parsed.phases.length} phase${parsed.phases.length === 1 ? '' : 's'}${args.lanes === 'story' ? ', story lanes' : ''}`,
  );

  lines.push('', 'Phases');
  for (const p of parsed.phases) {
    const kind = [p.kind, p.story, p.priority].filter(Boolean).join(' ');
    lines.push(`  phase${p.number} (${kind}) ${p.title}: ${p.taskIds.join(' ')}`);
  }

  if (plan.ok) {
    lines.push('', `Waves (${plan.waves.length})`);
    plan.waves.forEach((wave, i) => lines.push(`  ${i + 1}: ${wave.join(' ')}`));
    lines.push('', `Critical path (${plan.criticalPath.length} tasks): ${plan.criticalPath.ids.join(' → ')}`);
    if (args.durations)
      lines.push(
        `Critical path by duration (${plan.weightedCriticalPath.seconds}s): ${plan.weightedCriticalPath.ids.join(' → ')}`,
      );
  } else {
    lines.push('', 'Waves: none, the dependency graph has errors (below)');
  }

  lines.push('', 'Tasks');
  for (const t of parsed.tasks) {
    lines.push(`  [${t.checkbox}] ${t.id} ${t.description}`);
    const deps = plan.dependsOn[t.id] ?? [];
    if (!deps.length) lines.push('        no prerequisites');
    for (const d of deps)
      lines.push(`        after ${d.id}: ${d.reasons.map((r) => `${r.rule}: ${r.cause}`).join('; ')}`);
  }

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  lines.push(
    '',
    `Diagnostics (${errors} error${errors === 1 ? '' : 's'}, ${diagnostics.length - errors} warning${diagnostics.length - errors === 1 ? '' : 's'})`,
  );
  for (const d of diagnostics) lines.push(formatDiagnostic(d));
  return `${lines.join('\n')}\n`;
}

function toJson(dir: string, lanes: string, { ok, parsed, plan, diagnostics }: FeatureAnalysis) {
  return {
    feature: dir,
    ok,
    lanes,
    phases: parsed.phases,
    tasks: parsed.tasks.map((t) => ({
      id: t.id,
      done: t.done,
      line: t.line,
      phase: parsed.phases[t.phase].number,
      story: t.story,
      priority: t.priority,
      parallel: t.parallel,
      labels: t.labels,
      description: t.description,
      files: t.files,
      dependsOn: plan.dependsOn[t.id] ?? [],
    })),
    waves: plan.waves,
    criticalPath: plan.criticalPath,
    weightedCriticalPath: plan.weightedCriticalPath,
    diagnostics: diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })),
  };
}
