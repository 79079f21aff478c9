/**
 * `npm run bench [-- graph|makespan|finished] [--quick]`: every benchmark side by side in one run,
 * a markdown table on stdout and JSON in tools/bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchGraph, type GraphRow } from './graph';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const wants = (name: string) => only.length === 0 || only.includes(name);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const s = (x: number) => `${x.toFixed(2)} s`;

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const results: Record<string, unknown> = { machine, date: new Date().toISOString() };
const out: string[] = [`Machine: ${machine}`, ''];

if (wants('graph')) {
  const shapes: Array<[number, number]> = quick ? [[20, 20]] : [[50, 40], [200, 30], [1000, 20]];
  const rows = benchGraph(shapes, quick ? 1 : 3);
  results.graph = rows;
  out.push('### Graph construction: `nx show projects` (NX_DAEMON=false), median of interleaved runs', '',
    '| features × tasks | targets | baseline cold | plugin cold | ratio | plugin cold, 2 workers | ratio | baseline warm | plugin warm | ratio | peak RSS plugin/baseline (cold) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r: GraphRow) => `| ${r.features} × ${r.tasks} | ${r.targets} | ${s(r.cold.baseline.seconds)} | ${s(r.cold.plugin.seconds)} | ${ratio(r.cold.plugin.seconds, r.cold.baseline.seconds)} | ${s(r.cold.pluginWorkers!.seconds)} | ${ratio(r.cold.pluginWorkers!.seconds, r.cold.baseline.seconds)} | ${s(r.warm.baseline.seconds)} | ${s(r.warm.plugin.seconds)} | ${ratio(r.warm.plugin.seconds, r.warm.baseline.seconds)} | ${r.cold.plugin.rssMb.toFixed(0)} / ${r.cold.baseline.rssMb.toFixed(0)} MB |`),
    '');
}

console.log(out.join('\n'));
const dir = join(__dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, quick ? 'quick.json' : 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
