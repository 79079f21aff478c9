#!/usr/bin/env node
/**
 * `npm run demo [-- --keep] [-- --parallel N]`: the whole job, end to end, offline.
 *
 * Copies the bundled example feature (specs/001-unit-converter) and its replay recordings into a
 * scratch git workspace in the temp folder, registers nx-speckit with the `replay` agent, then shows
 * the project Nx infers, runs `nx run-many -t implement --parallel=N` (tasks in parallel, `[X]`
 * marks, progress), the tasks.md diff, the run report and the example's own tests. Nothing in this
 * repository is modified; the scratch copy is removed at the end unless --keep is given.
 *
 * `runDemo()` is also what tools/demo.spec.ts runs.
 */
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const FEATURE = 'specs/001-unit-converter';
const FEATURE_NAME = path.basename(FEATURE);
const PROJECT = `spec-${FEATURE_NAME}`;
const RECORDINGS = `.speckit/recordings/${FEATURE_NAME}`;
const EXAMPLE = 'examples/unit-converter';
const NX_PACKAGE = path.join(REPO_ROOT, 'node_modules', 'nx');
const NX_BIN = path.join(NX_PACKAGE, JSON.parse(fs.readFileSync(path.join(NX_PACKAGE, 'package.json'), 'utf8')).bin.nx);

const ENV = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_SKIP_LOG_GROUPING: 'true',
  NX_VERBOSE_LOGGING: 'false',
};
delete ENV.SPECKIT_AGENT; // the demo is the replay agent, whatever the shell says
delete ENV.SPECKIT_REPLAY_DIR;
delete ENV.NX_CACHE_DIRECTORY;

/**
 * The example's quality gate: its own tests, run by the plugin (target `implement--gate`, which the
 * `implement` aggregate waits for) after every task of the feature is done.
 */
const GATES = [
  { name: 'example tests', command: ['node', '--test', '--test-reporter=spec'], cwd: 'examples/unit-converter' },
];

function parseArgs(argv) {
  const args = { keep: false, parallel: 3 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--keep') args.keep = true;
    else if (flag === '--parallel') {
      const n = Number(inline ?? argv[++i]);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`--parallel needs a positive whole number, not ${inline ?? argv[i]}`);
      args.parallel = n;
    } else if (flag === '--help' || flag === '-h') args.help = true;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return args;
}

/** Every file under `dir` (relative, sorted) with its sha1: what "unchanged" means for the repo side. */
function fingerprint(dir) {
  const out = {};
  const walk = (rel) => {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else
        out[child] = crypto
          .createHash('sha1')
          .update(fs.readFileSync(path.join(dir, child)))
          .digest('hex');
    }
  };
  walk('');
  return out;
}

/** The scratch workspace: the feature, its recordings, nx.json with the plugin, this repo's node_modules. */
function createWorkspace(parallel) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-speckit-demo-'));
  for (const rel of [FEATURE, RECORDINGS])
    fs.cpSync(path.join(REPO_ROOT, rel), path.join(dir, rel), { recursive: true });
  // `nx-speckit` resolves through this link: node_modules/nx-speckit → packages/nx-speckit (npm workspaces), built into dist/.
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'junction'); // junction: no admin rights needed on Windows
  const write = (rel, text) => fs.writeFileSync(path.join(dir, rel), text);
  write(
    'package.json',
    `${JSON.stringify({ name: 'nx-speckit-demo', private: true, description: 'Scratch workspace made by nx-speckit tools/demo.js' }, null, 2)}\n`,
  );
  const options = { agent: 'replay', gates: GATES };
  write(
    'nx.json',
    `${JSON.stringify(
      {
        $schema: './node_modules/nx/schemas/nx-schema.json',
        analytics: false,
        neverConnectToCloud: true,
        // Inside the scratch folder: without it Nx 24 shares a cache under ~/.nx keyed by the first commit.
        cacheDirectory: '.nx/cache',
        parallel,
        plugins: [{ plugin: 'nx-speckit', options }],
      },
      null,
      2,
    )}\n`,
  );
  // The run artefacts `nx g nx-speckit:init` ignores.
  const { IGNORED } = require(path.join(REPO_ROOT, 'packages/nx-speckit/dist/generators/init/init'));
  write('.gitignore', `node_modules\n.nx\ngraph.html\nstatic/\n# nx-speckit run artefacts\n${IGNORED.join('\n')}\n`);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, [
    '-c',
    'user.email=demo@nx-speckit.invalid',
    '-c',
    'user.name=nx-speckit demo',
    'commit',
    '-q',
    '-m',
    'spec-kit feature 001-unit-converter, nothing implemented yet',
  ]);
  return dir;
}

function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

function nxSync(cwd, args) {
  return spawnSync(process.execPath, [NX_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...ENV, FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs a command, streaming its output through `write` as it comes, and resolves with all of it. */
function stream(command, args, cwd, write, env = ENV) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk) => {
      const text = chunk.toString();
      output += text;
      write(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => resolve({ code, output }));
    child.on('error', (error) => resolve({ code: -1, output: `${output}${error.message}\n` }));
  });
}

/** The project as Nx inferred it, in a few lines. */
function describeProject(project) {
  const targets = Object.keys(project.targets);
  const tasks = targets.filter((t) => /^implement--T\d+$/.test(t));
  const of = (re) => targets.filter((t) => re.test(t)).map((t) => t.replace('implement--', ''));
  const meta = project.metadata?.speckit ?? {};
  const lines = [
    `${project.name}  (root ${project.root}, tags: ${(project.tags ?? []).join(', ')})`,
    `  targets: implement (all), ${tasks.length} tasks implement--${tasks[0]?.slice(11)}…${tasks[tasks.length - 1]?.slice(11)},`,
    `           stories ${of(/--US\d+$/).join(' ')}, priorities ${of(/--P\d+$/).join(' ')}, phases ${of(/--phase\d+$/).join(' ')}`,
  ];
  if (meta.waves) {
    lines.push('  waves (what can run at the same time):');
    meta.waves.forEach((wave, i) => lines.push(`    ${String(i + 1).padStart(2)}  ${wave.join(' ')}`));
  }
  if (meta.criticalPath) lines.push(`  critical path: ${meta.criticalPath.join(' → ')}`);
  const explained = tasks
    .map((t) => project.targets[t].metadata?.speckit)
    .filter((m) => m?.dependsOn?.some((d) => d.reasons.some((r) => r.rule === 'explicit')));
  for (const m of explained) {
    lines.push(
      `  ${m.taskId} waits for ${m.dependsOn.map((d) => `${d.id} (${d.reasons.map((r) => r.rule).join(', ')})`).join(', ')}`,
    );
  }
  const diagnostics = meta.diagnostics ?? [];
  lines.push(
    `  diagnostics: ${diagnostics.length ? diagnostics.map((d) => d.message ?? JSON.stringify(d)).join('; ') : 'none'}`,
  );
  return lines.join('\n');
}

/** Only checkbox marks may differ between the two texts (the engine's own comparison). */
function onlyCheckboxesChanged(before, after) {
  return engine().withoutMarks(before) === engine().withoutMarks(after);
}

/** The built engine (`npm run demo` builds first). */
const engine = () => require(path.join(REPO_ROOT, 'packages/tasks-md/dist'));

/**
 * The demo. Returns what happened; `ok` is true when the run succeeded, every task is marked,
 * tasks.md changed only in its checkboxes, the example's tests passed and the repo is untouched.
 */
async function runDemo(options = {}) {
  const parallel = options.parallel ?? 3;
  const keep = options.keep ?? false;
  const write = options.write ?? ((text) => process.stdout.write(text));
  const say = (text = '') => write(`${text}\n`);
  const step = (n, title) => say(`\n━━ ${n}/6 ${title} ${'━'.repeat(Math.max(0, 60 - title.length))}\n`);
  const problems = [];
  const repoBefore = {
    feature: fingerprint(path.join(REPO_ROOT, FEATURE)),
    recordings: fingerprint(path.join(REPO_ROOT, RECORDINGS)),
  };
  if (!fs.existsSync(path.join(REPO_ROOT, 'packages/nx-speckit/dist/index.js'))) {
    throw new Error('packages/nx-speckit is not built: run `npm run build` (or `npm run demo`, which builds first)');
  }

  const dir = createWorkspace(parallel);
  const result = {
    dir,
    project: undefined,
    run: undefined,
    tests: undefined,
    tasksBefore: '',
    tasksAfter: '',
    problems,
    ok: false,
  };
  try {
    step(1, 'Scratch workspace');
    say(`${dir}`);
    say(`  ${FEATURE}/   spec.md plan.md data-model.md quickstart.md tasks.md (copied from this repo)`);
    say(`  ${RECORDINGS}/   one replay recording per task: what the agent writes`);
    say(
      `  nx.json   plugins: [{ "plugin": "nx-speckit", "options": ${JSON.stringify({ agent: 'replay', gates: GATES })} }]`,
    );
    say("  node_modules → this repo's node_modules (nx, and nx-speckit itself via the npm workspace link)");
    result.tasksBefore = fs.readFileSync(path.join(dir, FEATURE, 'tasks.md'), 'utf8');

    step(2, `The graph: nx show project ${PROJECT}`);
    const shown = nxSync(dir, ['show', 'project', PROJECT, '--json']);
    if (shown.status !== 0) throw new Error(`nx show project failed:\n${shown.stdout}${shown.stderr}`);
    result.project = JSON.parse(shown.stdout);
    say(describeProject(result.project));
    const graph = nxSync(dir, ['graph', `--file=${path.join(dir, 'graph.html')}`]);
    say(
      graph.status === 0
        ? `\n  nx graph --file=graph.html → ${path.join(dir, 'graph.html')}`
        : `\n  nx graph failed (exit ${graph.status}): ${graph.stderr.trim()}`,
    );

    step(3, `The run: nx run-many -t implement --parallel=${parallel}`);
    const started = Date.now();
    result.run = await stream(
      process.execPath,
      [NX_BIN, 'run-many', '-t', 'implement', `--parallel=${parallel}`, '--output-style=stream-without-prefixes'],
      dir,
      write,
      { ...ENV, FORCE_COLOR: options.color ? '1' : '0' },
    );
    result.run.seconds = (Date.now() - started) / 1000;
    if (result.run.code !== 0) problems.push(`nx run-many exited ${result.run.code}`);

    step(4, `What changed in ${FEATURE}/tasks.md (git diff --word-diff)`);
    result.tasksAfter = fs.readFileSync(path.join(dir, FEATURE, 'tasks.md'), 'utf8');
    const diff = git(dir, ['diff', '--word-diff=plain', '-U0', '--no-color', '--', `${FEATURE}/tasks.md`])
      .split('\n')
      .filter((line) => line && !/^(diff --git|index |--- |\+\+\+ |@@ )/.test(line));
    say(diff.join('\n'));
    const tasks = engine().parseTasks(result.tasksAfter).tasks;
    const open = tasks.filter((t) => !t.done);
    const marked = tasks.filter((t) => t.done);
    if (open.length) problems.push(`${open.length} task(s) still open in tasks.md`);
    if (!onlyCheckboxesChanged(result.tasksBefore, result.tasksAfter))
      problems.push('tasks.md changed beyond its checkboxes');
    say(
      `\n  ${marked.length} tasks marked [X], ${open.length} open; ${onlyCheckboxesChanged(result.tasksBefore, result.tasksAfter) ? 'no other byte of tasks.md changed' : 'OTHER CHANGES in tasks.md!'}`,
    );
    const files = git(dir, ['status', '--short', '--untracked-files=all', '--', EXAMPLE])
      .trim()
      .split('\n')
      .filter(Boolean);
    say(`  ${files.length} files written by the agent under ${EXAMPLE}/ (git status: untracked)`);

    step(5, 'Report');
    const reports = ['latest.json', 'latest.html', 'latest.txt']
      .map((f) => path.join(dir, '.speckit/reports', f))
      .filter((f) => fs.existsSync(f));
    if (reports.length) {
      for (const f of reports) say(`  ${f}`);
      try {
        const report = JSON.parse(fs.readFileSync(path.join(dir, '.speckit/reports/latest.json'), 'utf8'));
        const count = {};
        for (const t of report.tasks ?? []) count[t.status] = (count[t.status] ?? 0) + 1;
        say(
          `  outcome: ${report.outcome}; tasks: ${Object.entries(count)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}`,
        );
        result.report = report;
      } catch (error) {
        say(`  (latest.json unreadable: ${error.message})`);
      }
    } else {
      problems.push('the run wrote no report in .speckit/reports/');
    }

    step(6, `The example's own tests: node --test (in ${EXAMPLE})`);
    const gateLog = path.join(dir, '.speckit/logs', PROJECT, 'gate.log');
    // The plugin ran them as the feature's gate (implement--gate) during the run above.
    const log = fs.existsSync(gateLog) ? fs.readFileSync(gateLog, 'utf8') : '';
    const passed = /^--- example tests: passed$/m.test(log);
    result.tests = { code: passed ? 0 : 1, output: log, via: 'gate' };
    say(
      `  run by the plugin as the feature's quality gate (target ${PROJECT}:implement--gate), log ${path.relative(dir, gateLog)}:`,
    );
    const summary = log.split('\n').filter((line) => /^ℹ (tests|pass|fail|duration_ms) /.test(line));
    say(passed ? summary.map((l) => `  ${l}`).join('\n') : log || '  (no gate log: the gate did not run)');
    say(`  ${passed ? '✓ gate passed' : '✗ gate failed or did not run'}`);
    if (result.tests.code !== 0) problems.push("the example's tests failed (gate)");

    const repoAfter = {
      feature: fingerprint(path.join(REPO_ROOT, FEATURE)),
      recordings: fingerprint(path.join(REPO_ROOT, RECORDINGS)),
    };
    if (JSON.stringify(repoBefore) !== JSON.stringify(repoAfter))
      problems.push(`this repository's ${FEATURE} or ${RECORDINGS} changed during the demo`);
    result.ok = problems.length === 0;
    say(
      `\n${result.ok ? '✔ demo complete' : `✘ demo found problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`}: run ${result.run.seconds.toFixed(1)}s at --parallel=${parallel}; this repository untouched.`,
    );
    return result;
  } finally {
    if (keep) {
      say(`Scratch workspace kept: ${dir}`);
      say(
        `  cd ${dir} && npx nx graph   |   git diff   |   cat .speckit/runs/${PROJECT}/T020.json   |   rm -rf ${dir}`,
      );
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      say(`Scratch workspace ${dir} removed (pass --keep to keep it).`);
    }
  }
}

module.exports = { runDemo, onlyCheckboxesChanged, fingerprint, FEATURE, PROJECT, RECORDINGS, EXAMPLE };

if (require.main === module) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\nusage: npm run demo -- [--keep] [--parallel N]`);
    process.exit(2);
  }
  if (args.help) {
    console.log(
      'usage: npm run demo -- [--keep] [--parallel N]\n  --keep        keep the scratch workspace (printed at the end)\n  --parallel N  tasks at a time (default 3)',
    );
    process.exit(0);
  }
  runDemo({ keep: args.keep, parallel: args.parallel, color: process.stdout.isTTY }).then(
    (result) => {
      process.exitCode = result.ok ? 0 : 1;
    },
    (error) => {
      console.error(`demo failed: ${error.stack ?? error}`);
      process.exitCode = 1;
    },
  );
}
