import { formatFiles, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = 'nx-speckit';
/** Per-run artefacts: logs, prompts, task records, reports, the task lists the stale-plan check compares. Replay recordings (`.speckit/recordings`) are worth committing. */
export const IGNORED = ['.speckit/runs', '.speckit/logs', '.speckit/reports', '.speckit/plans', '.speckit/changesets'];

/** `nx g nx-speckit:init`: registers the plugin once and keeps run artefacts out of git. */
export async function initGenerator(tree: Tree, schema: InitGeneratorSchema = {}) {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME);
  if (!registered) {
    plugins.push({ plugin: PLUGIN_NAME, options: { targetName: schema.targetName ?? 'implement', agent: schema.agent ?? 'claude' } });
    nxJson.plugins = plugins;
    updateNxJson(tree, nxJson);
  }

  const gitignore = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8')! : '';
  const lines = gitignore.split(/\r?\n/);
  const missing = IGNORED.filter((entry) => !lines.includes(entry) && !lines.includes(`${entry}/`));
  if (missing.length) {
    const prefix = gitignore && !gitignore.endsWith('\n') ? '\n' : '';
    tree.write('.gitignore', `${gitignore}${prefix}${gitignore ? '\n' : ''}# nx-speckit run artefacts\n${missing.join('\n')}\n`);
  }
  if (!schema.skipFormat) await formatFiles(tree);
}

export default initGenerator;
