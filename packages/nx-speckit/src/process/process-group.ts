/**
 * Child commands (agents, gates) run as the leaders of their own process groups, so one kill
 * reaches everything they started, and nothing they started outlives this process.
 */

/** Time between SIGTERM and SIGKILL for a process group. */
export const KILL_GRACE_MS = 3000;

// Process groups still running; killed if this process exits first (e.g. Nx is interrupted).
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // negative pid: the whole group, so grandchildren die too
  } catch {
    // ESRCH: the group is already gone
  }
}

/** SIGTERM now, SIGKILL after a grace period even if the attempt is already over (unref: never holds the process open). */
export function killTree(pid: number): void {
  killGroup(pid, 'SIGTERM');
  setTimeout(() => {
    killGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
  }, KILL_GRACE_MS).unref();
}

/** Remembers a started process group, so it is killed if this process exits first (e.g. Nx is interrupted). */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => liveGroups.forEach((g) => killGroup(g, 'SIGKILL')));
  }
}
