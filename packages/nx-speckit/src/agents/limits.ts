/**
 * Per-run limits a preset's CLI enforces itself. Kept apart from the presets (no output parsers
 * here), so graph construction can check an agent option without loading them.
 */
import type { AgentChoice, AgentConfig, PresetName } from './types';

/** The CLI flag that caps one run's spend in dollars (`maxBudgetUsd`), for the presets whose CLI has one. */
export const BUDGET_FLAGS: Partial<Record<PresetName, string>> = { claude: '--max-budget-usd' };

/**
 * `maxBudgetUsd` only where the CLI enforces it: elsewhere it would be a limit nobody keeps.
 * @throws naming the field, the preset and what to use instead
 */
export function checkBudgetLimit(c: AgentConfig): void {
  if (c.maxBudgetUsd === undefined) return;
  if (!(typeof c.maxBudgetUsd === 'number' && Number.isFinite(c.maxBudgetUsd) && c.maxBudgetUsd > 0))
    throw new Error('agent.maxBudgetUsd must be a positive number');
  const name: PresetName = c.preset ?? (c.command ? 'command' : 'claude');
  if (!BUDGET_FLAGS[name]) {
    const limited = Object.entries(BUDGET_FLAGS)
      .map(([preset, flag]) => `${preset}'s ${flag}`)
      .join(', ');
    throw new Error(
      `agent.maxBudgetUsd: the ${name} preset's CLI has no per-run dollar limit (only ${limited}); remove it, or set the plugin's budgetUsd for the whole run`,
    );
  }
}

/**
 * What can be checked of an `agent` option before any task runs (at graph time): the per-run
 * dollar limit of each listed agent.
 * @throws naming the problem
 */
export function checkAgentChoice(choice: AgentChoice | undefined): void {
  for (const option of Array.isArray(choice) ? choice : [choice]) {
    if (option && typeof option === 'object') checkBudgetLimit(option);
  }
}
