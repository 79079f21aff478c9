import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveAgent, runAgent, type AgentRunContext } from './index';
import { applyRecording, loadRecording, recordingDir, snapshotFiles, writeRecording } from './replay';

let ws: string;
let ctx: AgentRunContext;
const replay = resolveAgent('replay', {});
const recordings = () => recordingDir(ws, 'specs/001-demo', {});

beforeEach(() => {
  ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-replay-')));
  ctx = {
    workspaceRoot: ws,
    taskId: 'T001',
    featureDir: 'specs/001-demo',
    tasksFile: 'specs/001-demo/tasks.md',
    taskFiles: ['src/a.ts'],
    prompt: 'Implement T001',
    logFile: path.join(ws, '.speckit/logs/T001.log'),
    promptFile: path.join(ws, '.speckit/prompts/T001.md'),
  };
});
afterEach(() => fs.rmSync(ws, { recursive: true, force: true }));

describe('replay agent', () => {
  it('applies text, binary and deletions from <ws>/.speckit/recordings/<feature>/<task>.json', async () => {
    expect(recordings()).toBe(path.join(ws, '.speckit/recordings/001-demo'));
    fs.writeFileSync(path.join(ws, 'old.txt'), 'remove me');
    writeRecording(recordings(), 'T001', [
      { path: 'src/deep/a.ts', content: 'export const a = 1;\n' },
      { path: 'assets/logo.bin', base64: Buffer.from([0, 255, 1, 128]).toString('base64') },
      { path: 'old.txt', deleted: true },
    ]);
    const result = await runAgent(replay, ctx);
    expect(result).toMatchObject({ ok: true, attempts: [{ exitCode: 0 }] });
    expect(fs.readFileSync(path.join(ws, 'src/deep/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    expect([...fs.readFileSync(path.join(ws, 'assets/logo.bin'))]).toEqual([0, 255, 1, 128]);
    expect(fs.existsSync(path.join(ws, 'old.txt'))).toBe(false);
    expect(fs.readFileSync(ctx.logFile, 'utf8')).toContain('replay: applied 3 change(s) for T001');
  });

  it('honours SPECKIT_REPLAY_DIR', async () => {
    const dir = path.join(ws, 'elsewhere');
    writeRecording(dir, 'T001', [{ path: 'x.txt', content: 'x' }]);
    const result = await runAgent({ ...replay, env: { SPECKIT_REPLAY_DIR: dir } }, ctx);
    expect(result.ok).toBe(true);
    expect(fs.readFileSync(path.join(ws, 'x.txt'), 'utf8')).toBe('x');
  });

  it('fails with exit 1 naming the missing recording', async () => {
    const result = await runAgent(replay, ctx);
    expect(result.ok).toBe(false);
    expect(result.attempts[0].exitCode).toBe(1);
    expect(result.error).toContain(
      `no recording for task T001: ${path.join(ws, '.speckit/recordings/001-demo/T001.json')} does not exist`,
    );
  });

  it.each([
    ['../escape.txt', '".." is not allowed'],
    ['src/../../escape.txt', '".." is not allowed'],
    ['/tmp/speckit-absolute-escape.txt', 'absolute paths are not allowed'],
  ])('refuses %s with exit 2 and writes nothing', async (bad, why) => {
    fs.mkdirSync(path.join(ws, 'src'));
    writeRecording(recordings(), 'T001', [
      { path: 'src/ok.ts', content: 'fine' },
      { path: bad, content: 'pwned' },
    ]);
    const result = await runAgent(replay, ctx);
    expect(result.ok).toBe(false);
    expect(result.attempts[0].exitCode).toBe(2);
    expect(result.error).toContain(why);
    expect(fs.existsSync(path.join(ws, 'src/ok.ts'))).toBe(false); // all-or-nothing
    expect(fs.existsSync(path.resolve(ws, '..', 'escape.txt'))).toBe(false);
    expect(fs.existsSync('/tmp/speckit-absolute-escape.txt')).toBe(false);
  });

  it('refuses a path that escapes through a symlink', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-outside-'));
    try {
      fs.symlinkSync(outside, path.join(ws, 'link'));
      fs.symlinkSync(path.join(outside, 'target.txt'), path.join(ws, 'file-link'));
      for (const p of ['link/pwned.txt', 'link/new/dir/pwned.txt', 'file-link']) {
        expect(() => applyRecording({ taskId: 'T001', files: [{ path: p, content: 'x' }] }, ws)).toThrow(
          /escapes the workspace through a symlink|dangling symlink/,
        );
      }
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('records what a real run changed and round-trips it', () => {
    fs.mkdirSync(path.join(ws, 'src'));
    fs.writeFileSync(path.join(ws, 'src/a.ts'), 'const a = "é";\n');
    fs.writeFileSync(path.join(ws, 'src/b.bin'), Buffer.from([0xff, 0xfe, 0x00]));
    const files = snapshotFiles(ws, ['src/a.ts', 'src/b.bin', 'src/gone.ts']);
    expect(files).toEqual([
      { path: 'src/a.ts', content: 'const a = "é";\n' },
      { path: 'src/b.bin', base64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') },
      { path: 'src/gone.ts', deleted: true },
    ]);
    const file = writeRecording(recordings(), 'T007', files);
    expect(file).toBe(path.join(ws, '.speckit/recordings/001-demo/T007.json'));
    expect(loadRecording(file)).toEqual({ taskId: 'T007', files });
  });

  it('rejects malformed entries and task ids that could name other files', () => {
    expect(() => writeRecording(recordings(), '../T001', [])).toThrow(/invalid task id/);
    expect(() => writeRecording(recordings(), 'T001', [{ path: 'a', content: 'x', deleted: true } as never])).toThrow(
      /exactly one of/,
    );
  });
});
