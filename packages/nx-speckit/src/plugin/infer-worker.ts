/** Worker-thread entry for `inferProjects`: a chunk of feature folders in, plain projects out. */
import type { NormalizedOptions } from './options';
import { inferFeatureProject, type WorkerResult } from './infer';

/**
 * Infers each folder of the chunk. A folder that throws comes back as its message, so one broken feature
 * does not lose the rest of the chunk.
 */
export default function inferChunk(input: {
  workspaceRoot: string;
  roots: string[];
  options: NormalizedOptions;
}): WorkerResult[] {
  return input.roots.map((root) => {
    try {
      return { root, project: inferFeatureProject(input.workspaceRoot, root, input.options) };
    } catch (error) {
      return { root, error: error instanceof Error ? error.message : String(error) };
    }
  });
}
