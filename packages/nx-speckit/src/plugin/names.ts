import { posix } from 'node:path';

/** `specs/003-real-time-chat` → `spec-003-real-time-chat` (contract: one project per feature folder). */
export function projectName(root: string): string {
  return `spec-${posix.basename(root)}`;
}
