#!/usr/bin/env node
// The benchmarks' "agent": lives for the task's seeded duration (bench-durations.json, from process
// start, so Node's own start-up counts), then writes the task's declared files and appends its
// interval to bench-spans.jsonl. Used both as the nx-speckit command agent and by the
// nx:run-commands baseline (which passes the same SPECKIT_* variables through `env`).
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = process.env.SPECKIT_WORKSPACE_ROOT || process.cwd();
const feature = process.env.SPECKIT_FEATURE_DIR;
const id = process.env.SPECKIT_TASK_ID;
const files = JSON.parse(process.env.SPECKIT_TASK_FILES || '[]');
const durations = JSON.parse(fs.readFileSync(path.join(root, 'bench-durations.json'), 'utf8'));
const start = performance.timeOrigin;
const ms = (durations[`${feature}/${id}`] ?? 0) * 1000;

setTimeout(
  () => {
    for (const f of files) {
      const file = f.endsWith('/') ? path.join(root, f, `${id}.txt`) : path.join(root, f);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${feature} ${id} ${Date.now()}\n`);
    }
    fs.appendFileSync(
      path.join(root, 'bench-spans.jsonl'),
      `${JSON.stringify({ key: `${feature}/${id}`, start, end: Date.now() })}\n`,
    );
  },
  Math.max(0, start + ms - Date.now()),
);
