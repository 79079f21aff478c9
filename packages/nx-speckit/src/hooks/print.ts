/** process.stdout.write, waiting until it is handed to the OS (Nx exits soon after the hooks return). */
export function print(text: string): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(text, () => resolve());
  });
}

/** True inside the Nx daemon (or a plugin worker it started): what a hook prints goes to the daemon's log. */
export function onNxDaemon(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NX_DAEMON_PROCESS === 'true';
}
