#!/usr/bin/env node
/**
 * Parse time per task on the largest real tasks.md files, this tree's engine beside another
 * commit's, interleaved (A B A B …) so a noisy shared machine hits both alike.
 *
 *   node tools/bench/parse-real.js <folder> [--base <git ref>] [--files 4] [--rounds 15]
 *
 * Each engine is bundled with esbuild from its own sources (the base one out of `git archive`).
 */
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { buildSync } = require('esbuild');
const { findTaskFiles } = requireTs('../corpus.ts');

const root = join(__dirname, '../..');
const USAGE = 'usage: node tools/bench/parse-real.js <folder> [--base <git ref>] [--files 4] [--rounds 15]';
const { values: options, positionals } = parseCommandLine();
const [folder] = positionals;
const base = options.base;
const rounds = Number(options.rounds);
const files = findTaskFiles(folder)
  .map((path) => ({ path, text: readFileSync(path, 'utf8') }))
  .sort((a, b) => b.text.length - a.text.length)
  .slice(0, Number(options.files));

const temp = mkdtempSync(join(tmpdir(), 'parse-real-'));
try {
  execFileSync(
    'sh',
    ['-c', `git archive ${JSON.stringify(base)} packages/tasks-md/src | tar -x -C ${JSON.stringify(temp)}`],
    { cwd: root },
  );
  const engines = {
    [`base ${base}`]: bundle(join(temp, 'packages/tasks-md/src/parse.ts'), 'base'),
    'this tree': bundle(join(root, 'packages/tasks-md/src/parse.ts'), 'tree'),
  };
  const names = Object.keys(engines).join(' / ');
  console.log(`| file | kB | tasks (${names}) | ms per parse (${names}) | µs per task (${names}) | ratio per task |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const file of files) {
    const samples = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
    const counts = {};
    for (const [name, engine] of Object.entries(engines)) counts[name] = engine.parseTasks(file.text).tasks.length; // warm up
    for (let i = 0; i < rounds; i++) {
      for (const [name, engine] of Object.entries(engines)) {
        const start = process.hrtime.bigint();
        engine.parseTasks(file.text);
        samples[name].push(Number(process.hrtime.bigint() - start) / 1000);
      }
    }
    const perParse = Object.keys(engines).map((k) => median(samples[k]));
    // A file with no task read counts as one task, so the ratio stays defined.
    const perTask = Object.keys(engines).map((k, i) => perParse[i] / Math.max(1, counts[k]));
    console.log(
      `| ${file.path.split('/').pop()} | ${(file.text.length / 1024).toFixed(0)} | ${Object.values(counts).join(' / ')} | ` +
        `${perParse.map((v) => (v / 1000).toFixed(1)).join(' / ')} | ${perTask.map((v) => v.toFixed(0)).join(' / ')} | ${(perTask[1] / perTask[0]).toFixed(2)} |`,
    );
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

function bundle(entry, name) {
  const out = join(temp, `${name}.js`);
  buildSync({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: [],
    nodePaths: [join(root, 'node_modules')],
    logLevel: 'warning',
  });
  return require(out);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function requireTs(path) {
  require('@swc-node/register');
  return require(path);
}

/** The folder and options, or the usage on stderr and exit 2 for anything else. */
function parseCommandLine() {
  try {
    const parsed = parseArgs({
      options: {
        base: { type: 'string', default: 'HEAD' },
        files: { type: 'string', default: '4' },
        rounds: { type: 'string', default: '15' },
      },
      allowPositionals: true,
    });
    if (parsed.positionals.length !== 1) throw new Error('one folder, please');
    return parsed;
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
}
