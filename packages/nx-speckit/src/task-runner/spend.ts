/**
 * The run's spend ledger (`.speckit/runs/spend.json`): what the agents of this `nx` run reported,
 * summed across forked task processes and `--batch` under the checkpoints' lock discipline. The
 * pre-run hook starts it at zero, so each run has its own budget and a re-run resumes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withFileLock, writeAtomically } from '@nx-speckit/tasks-md';
import type { AgentUsage } from '../agents/types';

export interface Spend {
  costUsd: number;
  /** Input plus output tokens. */
  tokens: number;
  /** Agent runs that reported tokens but no cost: a dollar budget cannot see what they spent. */
  unpriced: number;
}

/** A run's limits; either may be missing. */
export interface Budget {
  usd?: number;
  tokens?: number;
}

const ZERO: Spend = { costUsd: 0, tokens: 0, unpriced: 0 };

/** `.speckit/runs/spend.json`: the current run's spend, shared by every task process of the run. */
export const ledgerFile = (root: string) => join(root, '.speckit', 'runs', 'spend.json');

/** The spend so far (zero when no run started a ledger). */
export function readSpend(root: string): Spend {
  try {
    return { ...ZERO, ...JSON.parse(readFileSync(ledgerFile(root), 'utf8')) };
  } catch {
    return { ...ZERO };
  }
}

function writeSpend(root: string, spend: Spend) {
  const file = ledgerFile(root);
  // Readers never take the lock: they see the old sum or the new one, never half.
  writeAtomically(file, `${JSON.stringify(spend)}\n`);
}

/** A new run starts at zero. */
export function startLedger(root: string) {
  writeSpend(root, ZERO);
}

/** Adds one agent run's reported usage. */
export async function addSpend(root: string, usage: AgentUsage | undefined): Promise<void> {
  if (!usage) return;
  const tokens = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  if (usage.costUsd === undefined && !tokens) return;
  const file = ledgerFile(root);
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${JSON.stringify(ZERO)}\n`, { flag: 'wx' });
  } catch {
    /* there already */
  }
  await withFileLock(file, () => {
    const spend = readSpend(root);
    writeSpend(root, {
      costUsd: spend.costUsd + (usage.costUsd ?? 0),
      tokens: spend.tokens + tokens,
      unpriced: spend.unpriced + (usage.costUsd === undefined ? 1 : 0),
    });
  });
}

/** `budget reached: $4.02 of $4.00` (or tokens) once the spend reaches a limit, else undefined. */
export function budgetReached(spend: Spend, budget: Budget): string | undefined {
  if (budget.usd !== undefined && spend.costUsd >= budget.usd)
    return `budget reached: $${spend.costUsd.toFixed(2)} of $${budget.usd.toFixed(2)}`;
  if (budget.tokens !== undefined && spend.tokens >= budget.tokens) {
    return `budget reached: ${spend.tokens.toLocaleString('en-US')} of ${budget.tokens.toLocaleString('en-US')} tokens`;
  }
  return undefined;
}

/**
 * The run's budget: `SPECKIT_BUDGET_USD` / `SPECKIT_BUDGET_TOKENS` over the options.
 * @throws when a value is not a positive number, naming where it came from
 */
export function resolveBudget(
  options: { budgetUsd?: number; budgetTokens?: number },
  env: NodeJS.ProcessEnv = process.env,
): Budget {
  const pick = (envName: string, option: number | undefined, optionName: string) => {
    const raw = env[envName]?.trim();
    const value = raw ? Number(raw) : option;
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new Error(`${raw ? envName : optionName} must be a positive number, got ${JSON.stringify(raw || option)}`);
    }
    return value;
  };
  const usd = pick('SPECKIT_BUDGET_USD', options.budgetUsd, 'budgetUsd');
  const tokens = pick('SPECKIT_BUDGET_TOKENS', options.budgetTokens, 'budgetTokens');
  return { ...(usd !== undefined ? { usd } : {}), ...(tokens !== undefined ? { tokens } : {}) };
}
