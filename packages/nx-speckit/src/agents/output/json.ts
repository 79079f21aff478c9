import { stderrCause } from './failure';

// Tolerant JSON helpers: agent CLIs mix banners, warnings and JSON on the same stream.

export type Json = Record<string, unknown>;

/** A plain JSON object (not null, not an array): the only shape the parsers read fields from. */
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

/**
 * The last JSON object in the text that starts a line: pretty-printed or on one line, bare or after a
 * log tag such as gemini's `[ERROR] `. Objects nested inside it are indented, so they never count.
 */
export function lastJsonObject(text: string): Json | undefined {
  const t = text.trim();
  const starts = [...t.matchAll(/^(?:\[[A-Z]+\] )?\{/gm)].map((m) => m.index + m[0].length - 1);
  for (const start of starts.reverse()) {
    const v = objectAt(t, start);
    if (v) return v;
  }
  return undefined;
}

/** The balanced `{…}` that starts at `start`, parsed, or undefined when it is not one JSON object. */
function objectAt(text: string, start: number): Json | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      try {
        const v = JSON.parse(text.slice(start, i + 1));
        return isObject(v) ? v : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The value when it is a finite number, else undefined: a missing or malformed field reads as absent, never NaN. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The value when it is a non-empty string, else undefined, so `str(x) ?? fallback` also skips empty strings. */
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
