import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSpend, budgetReached, readSpend, resolveBudget, startLedger } from './spend';

describe('the spend ledger', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'speckit-spend-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('sums what agents report (concurrent adds included); a run start resets it; no-cost runs are counted as unpriced', async () => {
    expect(readSpend(root)).toEqual({ costUsd: 0, tokens: 0, unpriced: 0 });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        addSpend(root, { costUsd: 0.25, inputTokens: 10, outputTokens: 5, cachedInputTokens: 99 }),
      ),
    );
    await addSpend(root, { inputTokens: 7 });
    await addSpend(root, {});
    expect(readSpend(root)).toEqual({ costUsd: 5, tokens: 307, unpriced: 1 });
    startLedger(root);
    expect(readSpend(root)).toEqual({ costUsd: 0, tokens: 0, unpriced: 0 });
  });
});

describe('budgetReached', () => {
  it('names the spend and the limit once the spend reaches it, dollars before tokens', () => {
    expect(budgetReached({ costUsd: 3.99, tokens: 10, unpriced: 0 }, { usd: 4 })).toBeUndefined();
    expect(budgetReached({ costUsd: 4, tokens: 10, unpriced: 0 }, { usd: 4 })).toBe('budget reached: $4.00 of $4.00');
    expect(budgetReached({ costUsd: 4.021, tokens: 0, unpriced: 0 }, { usd: 4 })).toBe(
      'budget reached: $4.02 of $4.00',
    );
    expect(budgetReached({ costUsd: 0, tokens: 12_000, unpriced: 3 }, { usd: 4, tokens: 10_000 })).toBe(
      'budget reached: 12,000 of 10,000 tokens',
    );
    expect(budgetReached({ costUsd: 100, tokens: 1e9, unpriced: 0 }, {})).toBeUndefined();
  });
});

describe('resolveBudget', () => {
  it('the env overrides the options; anything but a positive number is an error naming its source', () => {
    expect(resolveBudget({}, {})).toEqual({});
    expect(resolveBudget({ budgetUsd: 4, budgetTokens: 1000 }, {})).toEqual({ usd: 4, tokens: 1000 });
    expect(resolveBudget({ budgetUsd: 4 }, { SPECKIT_BUDGET_USD: '1.5', SPECKIT_BUDGET_TOKENS: '500' })).toEqual({
      usd: 1.5,
      tokens: 500,
    });
    expect(() => resolveBudget({}, { SPECKIT_BUDGET_USD: 'four' })).toThrow(
      'SPECKIT_BUDGET_USD must be a positive number, got "four"',
    );
    expect(() => resolveBudget({ budgetTokens: -1 }, {})).toThrow('budgetTokens must be a positive number, got -1');
  });
});
