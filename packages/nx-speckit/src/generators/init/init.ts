import { createProjectGraphAsync, formatFiles, logger, readNxJson, type Tree } from '@nx/devkit';
import { addPlugin } from '@nx/devkit/internal';
import { createNodesV2 } from '../../plugin/create-nodes';
import { installSpeckitExtension } from './speckit-extension';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = 'nx-speckit';
/** Per-run artefacts: logs, prompts, task records, reports, the task lists the stale-plan check compares. Replay recordings (`.speckit/recordings`) are worth committing. */
export const IGNORED = ['.speckit/runs', '.speckit/logs', '.speckit/reports', '.speckit/plans', '.speckit/changesets'];

/**
 * `nx g nx-speckit:init` (and `nx add nx-speckit`): registers the plugin the way Nx's own plugins
 * do, with `addPlugin`, which leaves an existing registration alone and, when a project already has
 * a target named `implement`, picks the next free target name. Run artefacts are kept out of git
 * (and so out of Nx's file hashing, which reads .gitignore).
 *
 * `keepExistingVersions` is accepted because `nx add` passes it: this generator installs no
 * package, so every version in package.json stays as it is either way.
 */
export async function initGenerator(tree: Tree, schema: InitGeneratorSchema = {}) {
  await addPlugin(
    tree,
    await createProjectGraphAsync(),
    PLUGIN_NAME,
    createNodesV2,
    {
      targetName: [schema.targetName ?? 'implement', 'speckit-implement', 'spec-implement'],
      agent: [schema.agent ?? 'claude'],
    },
    false,
  );
  ignoreLines(tree, '.gitignore', IGNORED);
  // .nxignore hides files from Nx that git keeps; a workspace that has one gets the artefacts there too.
  if (tree.exists('.nxignore')) ignoreLines(tree, '.nxignore', IGNORED);
  if (schema.speckit) {
    const agents = installSpeckitExtension(tree, configuredAgent(tree));
    logger.info(
      `nx-speckit: spec-kit extension "nx" installed (/speckit.nx.implement, /speckit.nx.plan, after_tasks hook) for ${agents.join(', ')}`,
    );
  }
  if (!schema.skipFormat) await formatFiles(tree);
}

/** The agent preset the registered plugin uses (an object or list of agents: its first preset). */
function configuredAgent(tree: Tree): string {
  const entry = readNxJson(tree)?.plugins?.find((p) => typeof p !== 'string' && p.plugin === PLUGIN_NAME);
  const agent = typeof entry === 'object' ? (entry.options as { agent?: unknown } | undefined)?.agent : undefined;
  const first = Array.isArray(agent) ? agent[0] : agent;
  return typeof first === 'string' ? first : ((first as { preset?: string } | undefined)?.preset ?? 'claude');
}

/** Appends the entries an ignore file does not list yet, under one comment. */
function ignoreLines(tree: Tree, file: string, entries: string[]) {
  const text = tree.exists(file) ? tree.read(file, 'utf-8')! : '';
  const lines = text.split(/\r?\n/);
  const missing = entries.filter((entry) => !lines.includes(entry) && !lines.includes(`${entry}/`));
  if (!missing.length) return;
  const separator = text && !text.endsWith('\n') ? '\n\n' : text ? '\n' : '';
  tree.write(file, `${text}${separator}# nx-speckit run artefacts\n${missing.join('\n')}\n`);
}

export default initGenerator;
