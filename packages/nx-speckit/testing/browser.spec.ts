import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './browser';

jest.setTimeout(120_000);

describe('launchChromium', () => {
  it('names the binary and says it is missing when there is none', async () => {
    await expect(launchChromium({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      /^Chromium \(\/nonexistent\/chromium, from @sparticuz\/chromium\) did not start: [\s\S]*\n\/nonexistent\/chromium does not exist$/,
    );
  });

  it('names the shared libraries the binary cannot load', async () => {
    // A program linked against a library no system has: the dynamic linker refuses to start it.
    const dir = mkdtempSync(join(tmpdir(), 'nx-speckit-browser-'));
    try {
      const source = join(dir, 'main.c');
      writeFileSync(source, 'int main(void) { return 0; }\n');
      writeFileSync(join(dir, 'libnxspeckitmissing.c'), 'int nx_speckit_missing(void) { return 1; }\n');
      const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
      execFileSync('cc', [
        '-shared',
        '-fPIC',
        '-o',
        join(dir, 'libnxspeckitmissing.so'),
        join(dir, 'libnxspeckitmissing.c'),
      ]);
      execFileSync('cc', ['-o', join(dir, 'chrome'), source, `-L${dir}`, '-Wl,--no-as-needed', '-lnxspeckitmissing']);
      rmSync(join(dir, 'libnxspeckitmissing.so'));
      chmodSync(join(dir, 'chrome'), 0o755);
      await expect(launchChromium({ executablePath: join(dir, 'chrome') })).rejects.toThrow(
        /did not start: [\s\S]*\nmissing shared libraries \(install them with the system's package manager\): libnxspeckitmissing\.so$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the packaged browser', async () => {
    const browser = await launchChromium();
    try {
      expect(await browser.version()).toMatch(/^HeadlessChrome\/\d+\./);
    } finally {
      await browser.close();
    }
  });
});
