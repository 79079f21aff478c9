// Drift check: every flag a preset passes must still be listed by the pinned CLI's own `--help` (the
// subcommand's help where the preset uses one, e.g. `codex exec`). Upgrading a pinned CLI then names the
// flag that went away before any run fails. Cursor is not on the npm registry: its flags follow its docs only.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveAgent } from './index';
import type { PresetName } from './types';
import { BUDGET_FLAGS } from './limits';

jest.setTimeout(60_000);

const BIN = path.resolve(__dirname, '../../../../node_modules/.bin');
const INSTALLED: PresetName[] = ['claude', 'codex', 'gemini', 'opencode', 'copilot'];

/** The preset's subcommand (words before its first flag) and its flags (stdin marker `-` excluded). */
function presetUsage(name: PresetName): { subcommand: string[]; flags: string[] } {
  const args = resolveAgent(name, {}).command.slice(1);
  const first = args.findIndex((a) => a.startsWith('-'));
  const subcommand = first < 0 ? args : args.slice(0, first);
  return { subcommand, flags: args.filter((a) => /^--?[A-Za-z]/.test(a)) };
}

/** True when help lists the flag as a word of its own (`-p, --print`, `--model <model>`, `--skip-trust=`). */
function helpLists(help: string, flag: string): boolean {
  return new RegExp(`(^|[\\s,\\[|(])${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s,=\\]|)<]|$)`, 'm').test(help);
}

let home: string;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-drift-'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function help(name: PresetName, subcommand: string[]): string {
  // A throwaway HOME: some CLIs create their config directory even for --help.
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  // Some print help on stderr (opencode's yargs).
  const r = spawnSync(path.join(BIN, name), [...subcommand, '--help'], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 50_000,
  });
  if (r.status !== 0) throw new Error(`${name} ${subcommand.join(' ')} --help exited ${r.status}: ${r.stderr}`);
  return r.stdout + r.stderr;
}

describe('preset flags against the pinned CLIs', () => {
  it('recognises flags as whole words only', () => {
    expect(helpLists('  -p, --print  Print', '-p')).toBe(true);
    expect(helpLists('  --model <model>  Model', '--model')).toBe(true);
    expect(helpLists('  --models  List models', '--model')).toBe(false);
    expect(helpLists('  --no-skip-trust', '--skip-trust')).toBe(false);
  });

  it.each(INSTALLED)('%s: every flag the preset passes is in its --help', (name) => {
    const { subcommand, flags } = presetUsage(name);
    const text = help(name, subcommand);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !helpLists(text, f))).toEqual([]);
  });

  it.each(Object.entries(BUDGET_FLAGS))('%s: the per-run dollar limit flag (%s) is in its --help', (name, flag) => {
    expect(resolveAgent({ preset: name as PresetName, maxBudgetUsd: 1 }, {}).command).toContain(flag);
    expect(helpLists(help(name as PresetName, presetUsage(name as PresetName).subcommand), flag)).toBe(true);
  });
});
