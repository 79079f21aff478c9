/**
 * A local npm registry for e2e tests, as Nx tests its own packages: Verdaccio on loopback with a
 * temporary storage. Our packages are published to it and served only from it; every other
 * package is proxied from the registry npm is configured with (read at run time), so a workspace
 * installs from it exactly as a user's would from the public registry.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './workspace';

export interface LocalRegistry {
  url: string;
  /** Environment that points npm, npx and Nx's package manager calls at the registry. */
  env: Record<string, string>;
  /** Publishes a package folder of this repository (as `npm publish` would pack it). */
  publish(packageDir: string): void;
  stop(): Promise<void>;
}

/** Packages that must come from the local registry only (never from the uplink). */
const LOCAL_ONLY = ['nx-speckit', '@nx-speckit/*'];

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-speckit-registry-'));
  const port = await freePort();
  const uplink = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).stdout.trim();
  const allow = '    access: $all\n    publish: $all\n';
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      `auth:\n  htpasswd:\n    file: ${join(dir, 'htpasswd')}`,
      `uplinks:\n  upstream:\n    url: ${uplink}\n    timeout: 60s`,
      `packages:\n${LOCAL_ONLY.map((p) => `  '${p}':\n${allow}`).join('')}  '**':\n    access: $all\n    proxy: upstream`,
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}/`;
  // Verdaccio lets anyone publish here ($all), but npm will not publish without a token to send.
  writeFileSync(join(dir, 'npmrc'), `registry=${url}\n//127.0.0.1:${port}/:_authToken=e2e\n`);
  const verdaccio = spawn(
    process.execPath,
    [require.resolve('verdaccio/bin/verdaccio'), '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let log = '';
  verdaccio.stdout!.on('data', (c) => {
    log += c;
  });
  verdaccio.stderr!.on('data', (c) => {
    log += c;
  });
  await waitForPing(url, verdaccio, () => log);

  const env = {
    npm_config_registry: url,
    npm_config_userconfig: join(dir, 'npmrc'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  return {
    url,
    env,
    publish(packageDir) {
      const r = spawnSync('npm', ['publish', '--ignore-scripts'], {
        cwd: join(REPO_ROOT, packageDir),
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`npm publish ${packageDir} to ${url} failed:\n${r.stderr}\n${log}`);
    },
    async stop() {
      await stopGroup(verdaccio);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

async function waitForPing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`Verdaccio exited (${child.exitCode}) before it answered:\n${log()}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Verdaccio did not answer on ${url} within a minute:\n${log()}`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null;
  if (!running() || !child.pid) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (running()) process.kill(-child.pid, 'SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
}
