import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '@nx/devkit';
import { parse, stringify } from 'yaml';

/** The spec-kit extension shipped in this package (packages/nx-speckit/speckit-extension). */
export const EXTENSION_DIR = join(__dirname, '../../../speckit-extension');
const EXTENSION_ID = 'nx';

interface Manifest {
  provides: { commands: Array<{ name: string; file: string; description: string }> };
  hooks: Record<string, { command: string; optional?: boolean; prompt?: string; description?: string }>;
}

/**
 * Per agent: the folder that shows the workspace uses it, where it reads custom slash commands,
 * and how a command file is written for it.
 */
const AGENT_COMMANDS: Record<
  string,
  {
    marker: string;
    dir: string;
    file: (name: string) => string;
    render?: (description: string, body: string) => string;
  }
> = {
  claude: { marker: '.claude', dir: '.claude/commands', file: (n) => `${n}.md` },
  cursor: { marker: '.cursor', dir: '.cursor/commands', file: (n) => `${n}.md` },
  codex: { marker: '.codex', dir: '.codex/prompts', file: (n) => `${n}.md` },
  opencode: { marker: '.opencode', dir: '.opencode/command', file: (n) => `${n}.md` },
  copilot: { marker: '.github/prompts', dir: '.github/prompts', file: (n) => `${n}.prompt.md` },
  gemini: { marker: '.gemini', dir: '.gemini/commands', file: (n) => `${n}.toml`, render: geminiToml },
};

/**
 * `nx g nx-speckit:init --speckit`: installs the extension as spec-kit lays one out: its files
 * under `.specify/extensions/nx/`, its `after_tasks` hook in `.specify/extensions.yml`, and its
 * commands for every agent the workspace uses (the folders of the agents present, plus the agent
 * nx-speckit is configured with). Returns the agents it wrote commands for.
 */
export function installSpeckitExtension(tree: Tree, configuredAgent: string): string[] {
  const manifestText = readFileSync(join(EXTENSION_DIR, 'extension.yml'), 'utf8');
  const manifest = parse(manifestText) as Manifest;
  tree.write(`.specify/extensions/${EXTENSION_ID}/extension.yml`, manifestText);
  for (const file of readdirSync(join(EXTENSION_DIR, 'commands'))) {
    tree.write(
      `.specify/extensions/${EXTENSION_ID}/commands/${file}`,
      readFileSync(join(EXTENSION_DIR, 'commands', file), 'utf8'),
    );
  }
  registerHooks(tree, manifest);

  const agents = Object.keys(AGENT_COMMANDS).filter(
    (agent) => agent === configuredAgent || tree.exists(AGENT_COMMANDS[agent].marker),
  );
  for (const agent of agents) {
    const { dir, file, render } = AGENT_COMMANDS[agent];
    for (const command of manifest.provides.commands) {
      const text = readFileSync(join(EXTENSION_DIR, command.file), 'utf8');
      tree.write(`${dir}/${file(command.name)}`, render ? render(command.description, stripFrontmatter(text)) : text);
    }
  }
  return agents;
}

/** The extension's hooks in spec-kit's project hook file, replacing any earlier entry of ours. */
function registerHooks(tree: Tree, manifest: Manifest) {
  const path = '.specify/extensions.yml';
  const config = (tree.exists(path) ? parse(tree.read(path, 'utf-8')!) : null) ?? {
    installed: [],
    settings: { auto_execute_hooks: true },
    hooks: {},
  };
  config.installed = [...new Set([...(config.installed ?? []), EXTENSION_ID])];
  config.hooks ??= {};
  for (const [event, hook] of Object.entries(manifest.hooks)) {
    const others = (config.hooks[event] ?? []).filter((h: { extension?: string }) => h.extension !== EXTENSION_ID);
    config.hooks[event] = [
      ...others,
      {
        extension: EXTENSION_ID,
        command: hook.command,
        enabled: true,
        optional: hook.optional ?? true,
        prompt: hook.prompt ?? `Execute ${hook.command}?`,
        description: hook.description ?? '',
        condition: null,
      },
    ];
  }
  tree.write(path, stringify(config));
}

function stripFrontmatter(markdown: string): string {
  return markdown.replace(/^---\n[\s\S]*?\n---\n+/, '');
}

/** Gemini CLI commands are TOML; its placeholder for the user's input is {{args}}. */
function geminiToml(description: string, body: string): string {
  const prompt = body.replaceAll('$ARGUMENTS', '{{args}}').replaceAll('\\', '\\\\').replaceAll('"""', '\\"""');
  return `description = ${JSON.stringify(description)}\n\nprompt = """\n${prompt}"""\n`;
}
