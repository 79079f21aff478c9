// What kind of failure an agent CLI reported, and the one line that says why. The kind decides whether
// another agent could do better (quota, rate limit, overload, authentication) or not (other).

export type FailureKind = 'quota' | 'rate-limit' | 'overload' | 'auth' | 'other';

// Checked in order: a quota message often also says 429 or "rate", so quota comes first.
const KINDS: [FailureKind, RegExp][] = [
  [
    'quota',
    /quota|RESOURCE_EXHAUSTED|insufficient[_ ](credit|balance|funds)|credit balance|billing|usage limit|premium request/i,
  ],
  ['rate-limit', /rate[_ -]?limit|too many requests|\b429\b/i],
  ['overload', /overload|\b529\b|\b503\b|UNAVAILABLE|capacity/i],
  [
    'auth',
    /auth(entication|orization)?\b|unauthori[sz]ed|UNAUTHENTICATED|PERMISSION_DENIED|api[_ ]?key|\blog ?in\b|\/login|credentials|\b401\b|\b403\b/i,
  ],
];

/**
 * Classifies a failure from the CLI's own words and, where the CLI gives one, the HTTP status.
 * @param message the error text the CLI printed (or its structured error's message)
 * @param status the HTTP status behind it, when known
 * @returns the kind; `other` when nothing points elsewhere
 */
export function classifyFailure(message: string, status?: number): FailureKind {
  const text = status === undefined ? message : `${status} ${message}`;
  return KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
}

/**
 * The one line of stderr that says why, when the CLI printed no structured error: the last line
 * starting with `Error:` (CLIs print hints and resume commands after it), else the last non-empty line.
 * @returns at most 500 characters, or undefined for empty stderr
 */
export function stderrCause(stderr: string | undefined): string | undefined {
  const lines = (stderr ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const line = [...lines].reverse().find((l) => /^Error:/.test(l)) ?? lines.pop();
  return line && line.length > 500 ? line.slice(0, 500) + '…' : line;
}
