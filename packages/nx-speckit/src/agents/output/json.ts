import { stderrCause } from './failure';

// Tolerant JSON helpers: agent CLIs mix banners, warnings and JSON on the same stream.

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every line that parses as a JSON object, in order; other lines are skipped. */
export function jsonLines(text: string): Json[] {
  const out: Json[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const v = JSON.parse(t);
      if (isObject(v)) out.push(v);
    } catch {
      // not JSON: a log line
    }
  }
  return out;
}

/** The whole text as one JSON object (pretty-printed output), else the last JSON-object line. */
export function lastJsonObject(text: string): Json | undefined {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      const v = JSON.parse(t);
      if (isObject(v)) return v;
    } catch {
      // fall through to line-wise
    }
  }
  const start = t.lastIndexOf('\n{');
  if (start >= 0) {
    try {
      const v = JSON.parse(t.slice(start + 1));
      if (isObject(v)) return v;
    } catch {
      // fall through
    }
  }
  return jsonLines(t).pop();
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Adds b to a where b is defined (undefined + n = n). */
export function add(a: number | undefined, b: number | undefined): number | undefined {
  return b === undefined ? a : (a ?? 0) + b;
}

/** The standard message for a non-zero exit that the output did not explain. */
export function exitError(exitCode: number | null | undefined, stderr?: string): string {
  const tail = stderrCause(stderr);
  return `exited with code ${exitCode ?? 'null'}${tail ? `: ${tail}` : ''}`;
}
