export interface InitGeneratorSchema {
  agent?: 'claude' | 'codex' | 'gemini' | 'cursor' | 'copilot' | 'opencode' | 'replay';
  targetName?: string;
  speckit?: boolean;
  keepExistingVersions?: boolean;
  skipFormat?: boolean;
}
