#!/usr/bin/env node
/**
 * The bundled example's implementation lives only in its replay recordings,
 * `.speckit/recordings/001-unit-converter/T###.json`: one file per task holding exactly the files
 * that task declares in tasks.md. This tool round-trips them through an ordinary folder so the
 * code can be edited and tested like any code:
 *
 *   node tools/example.js extract [dir]   apply every recording in task order into dir (default tmp/example)
 *   node tools/example.js record [dir]    write the recordings back from dir (keeps each task's delayMs)
 *   node tools/example.js check           every task has a recording covering exactly its declared files
 *
 * Typical edit: extract, change the code, `node --test` in dir/examples/unit-converter, record, run the demo.
 * Needs the build (`npm run build`): it reads tasks.md with @nx-speckit/tasks-md.
 */
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const FEATURE = 'specs/001-unit-converter';
const RECORDINGS = path.join(REPO_ROOT, '.speckit', 'recordings', path.basename(FEATURE));

/** Replay pauses, so that parallel tasks visibly overlap in the demo: tests short, code longer. */
function defaultDelay(task) {
  const n = Number(task.id.slice(1));
  const test = task.files.every((f) => /(^|\/)test\//.test(f));
  return (test ? 400 : 700) + ((n * 137) % 5) * 100;
}

function featureTasks() {
  const { parseTasks } = require('@nx-speckit/tasks-md');
  const text = fs.readFileSync(path.join(REPO_ROOT, FEATURE, 'tasks.md'), 'utf8');
  return parseTasks(text).tasks;
}

function recordingPath(id) {
  return path.join(RECORDINGS, `${id}.json`);
}

function readRecording(id) {
  const file = recordingPath(id);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Every task's recording applied in task order into `dir` (what a full replay run produces). */
function extract(dir) {
  const written = [];
  for (const task of featureTasks()) {
    const rec = readRecording(task.id);
    if (!rec) throw new Error(`no recording for ${task.id}: ${path.relative(REPO_ROOT, recordingPath(task.id))}`);
    for (const f of rec.files) {
      const target = path.join(dir, f.path);
      if ('deleted' in f) {
        fs.rmSync(target, { force: true, recursive: true });
        continue;
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, 'base64' in f ? Buffer.from(f.base64, 'base64') : f.content);
      written.push(f.path);
    }
  }
  return written;
}

function fileEntry(dir, rel) {
  const bytes = fs.readFileSync(path.join(dir, rel));
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes)
    ? { path: rel, content: text }
    : { path: rel, base64: bytes.toString('base64') };
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, child));
    else out.push(child);
  }
  return out;
}

/** One recording per task from `dir`: the task's declared files as they are there. */
function record(dir) {
  const tasks = featureTasks();
  const claimed = new Set();
  const problems = [];
  for (const task of tasks) {
    if (!task.files.length) problems.push(`${task.id} declares no files`);
    for (const f of task.files) {
      if (claimed.has(f))
        problems.push(`${f} is declared by two tasks: a replayed task must change every file it declares`);
      claimed.add(f);
      if (!fs.existsSync(path.join(dir, f))) problems.push(`${task.id}: ${f} is missing in ${dir}`);
    }
  }
  const exampleRoots = [...new Set([...claimed].map((f) => f.split('/').slice(0, 2).join('/')))];
  for (const root of exampleRoots) {
    if (!fs.existsSync(path.join(dir, root))) continue;
    for (const f of listFiles(dir, root))
      if (!claimed.has(f)) problems.push(`${f} belongs to no task: declare it in tasks.md or delete it`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  fs.mkdirSync(RECORDINGS, { recursive: true });
  for (const task of tasks) {
    const delayMs = readRecording(task.id)?.delayMs ?? defaultDelay(task);
    const rec = { taskId: task.id, files: task.files.map((f) => fileEntry(dir, f)), delayMs };
    fs.writeFileSync(recordingPath(task.id), `${JSON.stringify(rec, null, 2)}\n`);
  }
  return tasks.length;
}

/** Problems that would make a replay run fail verification or leave code out. */
function check() {
  const tasks = featureTasks();
  const problems = [];
  const ids = new Set(tasks.map((t) => t.id));
  for (const task of tasks) {
    const rec = readRecording(task.id);
    if (!rec) {
      problems.push(`${task.id}: no recording`);
      continue;
    }
    if (rec.taskId !== task.id) problems.push(`${task.id}: recording says taskId ${rec.taskId}`);
    const recorded = rec.files.map((f) => f.path).sort();
    const declared = [...task.files].sort();
    if (JSON.stringify(recorded) !== JSON.stringify(declared)) {
      problems.push(
        `${task.id}: recording has ${recorded.join(', ') || 'nothing'}, tasks.md declares ${declared.join(', ') || 'nothing'}`,
      );
    }
  }
  for (const name of fs.existsSync(RECORDINGS) ? fs.readdirSync(RECORDINGS) : []) {
    if (!ids.has(path.basename(name, '.json'))) problems.push(`${name}: no such task in ${FEATURE}/tasks.md`);
  }
  return problems;
}

function main(argv) {
  const [command, dirArg] = argv;
  const dir = path.resolve(dirArg ?? path.join(REPO_ROOT, 'tmp', 'example'));
  if (command === 'extract') {
    const files = extract(dir);
    console.log(
      `extracted ${files.length} files into ${dir}\n  test: cd ${path.join(dir, 'examples/unit-converter')} && node --test`,
    );
    return 0;
  }
  if (command === 'record') {
    console.log(`wrote ${record(dir)} recordings into ${path.relative(REPO_ROOT, RECORDINGS)}`);
    return 0;
  }
  if (command === 'check') {
    const problems = check();
    console.log(problems.length ? problems.join('\n') : `${FEATURE}: every task has a matching recording`);
    return problems.length ? 1 : 0;
  }
  console.error('usage: node tools/example.js extract [dir] | record [dir] | check');
  return 2;
}

module.exports = { FEATURE, RECORDINGS, extract, record, check };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exitCode = 1;
  }
}
