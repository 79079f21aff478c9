/** Worker-thread entry for `inferProjects`: a chunk of feature folders in, plain projects out. */
import type { NormalizedOptions } from './options';
import { inferFeatureProject, type WorkerResult } from './infer';

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
