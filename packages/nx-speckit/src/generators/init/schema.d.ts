export interface InitGeneratorSchema {
  agent?: 'claude' | 'codex' | 'gemini' | 'cursor' | 'copilot' | 'opencode' | 'replay';
  targetName?: string;
  keepExistingVersions?: boolean;
  skipFormat?: boolean;
}
