/**
 * `npm run bench [-- graph|makespan|overhead|finished] [--quick]`: every benchmark side by side in one run,
 * markdown tables on stdout and in tools/bench/results/latest.md, JSON in latest.json. Running only
 * some benchmarks replaces just their sections of latest.* (each section keeps its own date).
 * `--quick`: smaller shapes, one round, written to quick.{json,md}. `--render`: only rewrite the
 * markdown from the JSON.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchGraph, type GraphRow } from './graph';
import {
  benchFinished,
  benchMakespan,
  benchOverhead,
  type FinishedResult,
  type MakespanResult,
  type OverheadResult,
} from './makespan';
import { REPO_ROOT } from './workspaces';

const { values: flags, positionals: only } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, render: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const quick = flags.quick;
const renderOnly = flags.render; // rewrite latest.md from latest.json, run nothing
const wants = (name: string) => !renderOnly && (only.length === 0 || only.includes(name));

const nxVersion = (require(join(REPO_ROOT, 'node_modules/nx/package.json')) as { version: string }).version;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Nx ${nxVersion}`;

interface Section<T> {
  machine: string;
  date: string;
  minutes: number;
  data: T;
}
interface Results {
  graph?: Section<GraphRow[]>;
  makespan?: Section<MakespanResult>;
  overhead?: Section<OverheadResult>;
  finished?: Section<FinishedResult>;
}

const dir = join(__dirname, 'results');
const name = quick ? 'quick' : 'latest';
const previous: Results =
  !quick && existsSync(join(dir, `${name}.json`)) ? JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) : {};
const results: Results = { ...previous };
const section = <T>(run: () => T): Section<T> => {
  const started = Date.now();
  const data = run();
  return { machine, date: new Date().toISOString(), minutes: Math.round((Date.now() - started) / 600) / 100, data };
};

if (wants('graph')) {
  const shapes: Array<[number, number]> = quick
    ? [
        [20, 20],
        [100, 10],
      ]
    : [
        [50, 40],
        [200, 30],
        [1000, 20],
      ];
  results.graph = section(() => benchGraph(shapes, quick ? 1 : 3));
}
if (wants('makespan')) results.makespan = section(() => benchMakespan({ quick, rounds: quick ? 1 : 2 }));
if (wants('overhead')) results.overhead = section(() => benchOverhead({ rounds: quick ? 1 : 5 }));
if (wants('finished')) results.finished = section(() => benchFinished({ quick, rounds: quick ? 1 : 5 }));

const text = render(results);
console.log(text);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, `${name}.md`), `${text}\n`);

export function render(r: Results): string {
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const s = (v: number) => `${v.toFixed(2)} s`;
  const ms = (v: number) => `${(v * 1000).toFixed(0)} ms`;
  const opt = (sample: { seconds: number } | undefined, show: (seconds: number) => string) =>
    sample ? show(sample.seconds) : 'not measured';
  const head = (sec: Section<unknown>) =>
    `_${sec.machine}; ${sec.date.slice(0, 16).replace('T', ' ')} UTC; ${sec.minutes} min${quick ? '; --quick' : ''}. Medians of interleaved runs; ratios are plugin / baseline measured side by side._`;
  const out: string[] = [];
  if (r.graph) {
    out.push(
      '### Graph construction: `nx show projects` (NX_DAEMON=false)',
      '',
      head(r.graph),
      '',
      'Baseline: the same projects and targets as static project.json files. Cold: no `.nx` state; warm: graph cached. ' +
        'Minimal plugin: a 10-line inferring plugin, installed as a package like a published one, that returns the very same projects from one JSON file, so it pays what Nx charges any plugin of that output ' +
        "(a plugin worker process, the transfer, the merge) and nothing of nx-speckit's own work. " +
        'Workers: SPECKIT_GRAPH_WORKERS=2 (tinypool threads, opt-in: off by default because they do not pay here); no workers: the default. Goals: warm ≤ 1.05×, cold ≤ 1.3×.',
      '',
      '| features × tasks | targets | baseline cold | minimal plugin cold | nx-speckit cold, no workers | ratio | ratio vs minimal | nx-speckit cold, workers | ratio | baseline warm | minimal plugin warm | nx-speckit warm | ratio | ratio vs minimal | peak RSS cold: baseline / no workers / workers |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...r.graph.data.map(
        (g) =>
          `| ${g.features} × ${g.tasks} | ${g.targets} | ${s(g.cold.baseline.seconds)} | ${opt(g.cold.minimal, s)} | ${s(g.cold.plugin.seconds)} | ${x(g.cold.plugin.seconds, g.cold.baseline.seconds)} | ${opt(g.cold.minimal, (m) => x(g.cold.plugin.seconds, m))} | ${s(g.cold.pluginWorkers!.seconds)} | ${x(g.cold.pluginWorkers!.seconds, g.cold.baseline.seconds)} | ${s(g.warm.baseline.seconds)} | ${opt(g.warm.minimal, s)} | ${s(g.warm.plugin.seconds)} | ${x(g.warm.plugin.seconds, g.warm.baseline.seconds)} | ${opt(g.warm.minimal, (m) => x(g.warm.plugin.seconds, m))} | ${g.cold.baseline.rssMb.toFixed(0)} / ${g.cold.plugin.rssMb.toFixed(0)} / ${g.cold.pluginWorkers!.rssMb.toFixed(0)} MB |`,
      ),
      '',
    );
  }
  if (r.makespan) {
    const m = r.makespan.data;
    out.push(
      `### Makespan: ${m.features} features, ${m.tasks} tasks, sleep agent (seeded ${m.durationRange[0]}–${m.durationRange[1]} s per task)`,
      '',
      head(r.makespan),
      '',
      `Sequential sum (one /implement session): ${s(m.sequential)}. Critical path by durations: ${s(m.criticalPath)}. ` +
        'Agent span: first agent start → last agent end. Ideal: greedy list schedule of the durations on that many slots in tasks.md order, zero overhead (a reference, not an optimum: `--batch` starts the longest remaining chain first and can beat it). ' +
        'Baseline: the same graph as static `nx:run-commands` targets running the same command. `--batch`: the same plugin workspace with `--batch` (one process runs every task). ' +
        'Goal: agent span / critical path ≤ 1.10 at sufficient --parallel.',
      '',
      '| --parallel | ideal | agent span | span / critical path | span / ideal | nx wall | speed-up vs sequential | peak agents | --batch: agent span | span / critical path | nx wall | speed-up vs sequential | run-commands: agent span | span / critical path | nx wall | wall plugin / run-commands |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...m.rows.map(
        (row) =>
          `| ${row.parallel} | ${s(row.ideal)} | ${s(row.plugin.agentSpan)} | ${x(row.plugin.agentSpan, m.criticalPath)} | ${x(row.plugin.agentSpan, row.ideal)} | ${s(row.plugin.wall)} | ${x(m.sequential, row.plugin.wall)} | ${row.plugin.peak} | ` +
          (row.batch
            ? `${s(row.batch.agentSpan)} | ${x(row.batch.agentSpan, m.criticalPath)} | ${s(row.batch.wall)} | ${x(m.sequential, row.batch.wall)} | `
            : 'not measured | | | | ') +
          `${s(row.runCommands.agentSpan)} | ${x(row.runCommands.agentSpan, m.criticalPath)} | ${s(row.runCommands.wall)} | ${x(row.plugin.wall, row.runCommands.wall)} |`,
      ),
      '',
    );
  }
  if (r.overhead) {
    const o = r.overhead.data;
    const per = (seconds: number) => ms(seconds / o.tasks);
    out.push(
      `### Per-task overhead: ${o.tasks} tasks of two features, every agent instant, --parallel 1`,
      '',
      head(r.overhead),
      '',
      'Wall time of the whole `nx run-many -t implement` (Nx start-up and graph included) divided by the task count. ' +
        "Minimal custom executor: a 5-line executor that only spawns the same command; Nx forks a process for every task of any custom executor, so it separates Nx's own per-task cost from nx-speckit's. " +
        "`--batch`: nx-speckit:task's batch implementation, one process for every task.",
      '',
      "| nx-speckit:task | nx-speckit:task --batch | minimal custom executor | nx:run-commands | nx-speckit's own share (vs minimal executor) | Nx's fork (minimal executor vs run-commands) | --batch saves |",
      '|---|---|---|---|---|---|---|',
      `| ${per(o.plugin)} per task (${s(o.plugin)}) | ${o.batch ? `${per(o.batch)} (${s(o.batch)})` : 'not measured'} | ${per(o.spawnExecutor)} (${s(o.spawnExecutor)}) | ${per(o.runCommands)} (${s(o.runCommands)}) | ${ms((o.plugin - o.spawnExecutor) / o.tasks)} per task | ${ms((o.spawnExecutor - o.runCommands) / o.tasks)} per task | ${o.batch ? `${ms((o.plugin - o.batch) / o.tasks)} per task` : 'not measured'} |`,
      '',
    );
  }
  if (r.finished) {
    const f = r.finished.data;
    out.push(
      `### Finished workspace: every task [X], \`nx run-many -t implement\` (${f.tasks} tasks, warm, NX_DAEMON=false)`,
      '',
      head(r.finished),
      '',
      "Warm: Nx's cached graph and nx-speckit's `.speckit/` state are both kept between runs, as in a developer's workspace. nx:noop graph: every task a `nx:noop` target the aggregates wait for (the full shape). Static: the plugin's own finished targets as project.json (no inference, no plugin hooks). Minimal plugin: those same targets handed to Nx by the graph benchmark's minimal plugin, so it pays Nx's plugin worker and nothing of nx-speckit's (no parsing, no hooks). Goal ≤ 1.1×.",
      '',
      '| plugin | nx:noop graph | ratio | static project.json | ratio | minimal plugin | ratio | peak RSS plugin / noop |',
      '|---|---|---|---|---|---|---|---|',
      `| ${s(f.plugin.seconds)} | ${s(f.noop.seconds)} | ${x(f.plugin.seconds, f.noop.seconds)} | ${s(f.static.seconds)} | ${x(f.plugin.seconds, f.static.seconds)} | ${f.minimal ? s(f.minimal.seconds) : 'not measured'} | ${f.minimal ? x(f.plugin.seconds, f.minimal.seconds) : '–'} | ${f.plugin.rssMb.toFixed(0)} / ${f.noop.rssMb.toFixed(0)} MB |`,
      '',
    );
  }
  return out.join('\n');
}
