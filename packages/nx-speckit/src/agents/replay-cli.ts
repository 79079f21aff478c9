#!/usr/bin/env node
// The `replay` preset's executable: applies the recorded changes for $SPECKIT_TASK_ID.
import { replayMain } from './replay';

replayMain(process.env, (line) => process.stderr.write(line + '\n')).then((code) => {
  process.exitCode = code;
});
