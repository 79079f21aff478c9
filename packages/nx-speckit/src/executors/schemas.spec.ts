import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESET_NAMES } from '../agents';

const schema = JSON.parse(readFileSync(join(__dirname, 'task/schema.json'), 'utf8'));

/** Every property schema in the file, with its path, so none can go undocumented. */
function propertiesOf(node: any, path: string): Array<[string, any]> {
  const own = Object.entries<any>(node.properties ?? {}).map(([name, value]): [string, any] => [
    `${path}.${name}`,
    value,
  ]);
  return own.flatMap(([at, value]) => [[at, value] as [string, any], ...propertiesOf(value, at)]);
}

describe('executor schemas', () => {
  it("describes every option, the agent object's fields included", () => {
    const all = [...propertiesOf(schema, 'options'), ...propertiesOf(schema.definitions.agentConfig, 'agent')];
    const undocumented = all.filter(([, value]) => !value.description).map(([at]) => at);
    expect(undocumented).toEqual([]);
    expect(all.map(([at]) => at)).toEqual(
      expect.arrayContaining(['options.agent', 'agent.model', 'agent.timeoutSeconds']),
    );
  });

  it("describes every gate option, each command's fields included", () => {
    const gate = JSON.parse(readFileSync(join(__dirname, 'gate/schema.json'), 'utf8'));
    const all = [...propertiesOf(gate, 'options'), ...propertiesOf(gate.properties.commands.items, 'commands[]')];
    expect(all.filter(([, value]) => !value.description).map(([at]) => at)).toEqual([]);
    expect(all.map(([at]) => at)).toEqual(expect.arrayContaining(['commands[].command', 'commands[].name']));
  });

  it('offers exactly the presets the runner knows, "command" only in the object form', () => {
    expect(schema.definitions.preset.enum.sort()).toEqual(PRESET_NAMES.filter((name) => name !== 'command').sort());
    expect(schema.definitions.agentConfig.properties.preset.enum.sort()).toEqual([...PRESET_NAMES].sort());
  });

  it('hides the options the plugin sets for itself from people and help', () => {
    expect(schema.properties.definition['x-priority']).toBe('internal');
    expect(schema.properties.validateOnly['x-priority']).toBe('internal');
    expect(schema.properties.resources['x-priority']).toBe('internal');
    expect(schema.properties.optionError['x-priority']).toBe('internal');
    expect(schema.properties.agent['x-priority']).toBe('important');
  });
});
