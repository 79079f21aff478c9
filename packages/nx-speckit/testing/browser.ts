/**
 * A headless Chromium for tests and tools, from the npm dependency tree: @sparticuz/chromium ships
 * the browser inside the package (brotli-packed, x64 Linux, unpacked to the temp folder on first
 * use) and puppeteer-core drives it over the DevTools protocol. Nothing from apt, nothing
 * downloaded at install time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';

/**
 * Starts the packaged Chromium, or says exactly what is missing when it cannot.
 * `executablePath` replaces the packaged binary (the test of the error message uses it).
 */
export async function launchChromium(options: { executablePath?: string } = {}): Promise<Browser> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the packaged Chromium (@sparticuz/chromium) runs on x64 Linux only; this is ${process.platform}/${process.arch}`,
    );
  }
  const chromium = (await import('@sparticuz/chromium')).default;
  const puppeteer = await import('puppeteer-core');
  let executablePath: string;
  try {
    executablePath = options.executablePath ?? (await chromium.executablePath());
  } catch (error) {
    throw new Error(
      `could not unpack Chromium from @sparticuz/chromium (is the package installed? run \`npm ci\`): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    return await puppeteer.launch({ executablePath, args: chromium.args, headless: 'shell', timeout: 60_000 });
  } catch (error) {
    throw new Error(
      `Chromium (${executablePath}, from @sparticuz/chromium) did not start: ${(error as Error).message}${missingLibraries(executablePath)}`,
      { cause: error },
    );
  }
}

/** The shared libraries the dynamic linker cannot find for the binary, as a sentence, or ''. */
function missingLibraries(executable: string): string {
  if (!existsSync(executable)) return `\n${executable} does not exist`;
  const ldd = spawnSync('ldd', [executable], { encoding: 'utf8' });
  const missing = (ldd.stdout ?? '')
    .split('\n')
    .filter((l) => l.includes('not found'))
    .map((l) => l.trim().split(' ')[0]);
  return missing.length
    ? `\nmissing shared libraries (install them with the system's package manager): ${missing.join(', ')}`
    : '';
}

/**
 * Opens a local HTML file in a new page, recording every network request the page makes (other
 * than the file itself).
 */
export async function openFile(
  browser: Browser,
  file: string,
  viewport = { width: 1200, height: 900 },
): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const requests: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) requests.push(request.url());
  });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, requests };
}

/** Every pixel's RGB of a PNG (8-bit RGB/RGBA, non-interlaced, as Chromium writes). */
export function decodePng(buf: Uint8Array): number[][] {
  const { inflateSync } = require('node:zlib') as typeof import('node:zlib');
  const png = Buffer.from(buf);
  let pos = 8,
    width = 0,
    height = 0,
    channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos),
      type = png.toString('ascii', pos + 4, pos + 8),
      data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('unsupported PNG');
      channels = { 2: 3, 6: 4 }[data[9]] ?? 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${data[9]}`);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out: number[][] = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0,
        b = prev[i],
        c = i >= channels ? prev[i - channels] : 0;
      const p = a + b - c,
        pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      line[i] = (line[i] + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) out.push([line[x * channels], line[x * channels + 1], line[x * channels + 2]]);
    prev = line;
  }
  return out;
}
