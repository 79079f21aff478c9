#!/usr/bin/env node
// Completes package-lock.json with the platform binaries this machine's npm mirror does not carry.
//
// `npm install` silently leaves out an optional dependency it cannot resolve (the mirror here has
// only some platforms of recent nx, @swc/core and unrs-resolver), and `npm ci` then refuses the
// lock as out of sync ("Missing: @nx/nx-darwin-arm64@ from lock file"). The entries added here are
// what npm itself writes for a foreign-platform binary, minus the tarball address: version, the
// optional flag and the os/cpu/libc that make npm skip it on every other machine.
// Usage: node tools/lockfile-platforms.js   (after `npm install`; idempotent)
const fs = require('node:fs');
const path = require('node:path');

const LOCK = path.join(__dirname, '..', 'package-lock.json');
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony'];
// Some packages spell the platform their own way (opencode-windows-x64, @img/sharp-linuxmusl-x64).
const OS_ALIASES = { windows: 'win32', linuxmusl: 'linux' };
const CPU = {
  x64: 'x64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: 'ia32',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  wasm32: 'wasm32',
};

/** os/cpu/libc from a platform package's name, e.g. `@nx/nx-linux-x64-musl`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.map((part) => OS_ALIASES[part] ?? part).find((part) => OS.includes(part));
  const cpu = parts.map((part) => CPU[part]).find(Boolean);
  if (!os && cpu !== 'wasm32') return undefined;
  const entry = {};
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (os === 'linux')
    entry.libc = [parts.some((part) => part.startsWith('musl') || part === 'linuxmusl') ? 'musl' : 'glibc'];
  return entry;
}

const lock = JSON.parse(fs.readFileSync(LOCK, 'utf8'));
const added = [];
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const hoisted = `node_modules/${name}`;
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    if (lock.packages[hoisted] || lock.packages[nested]) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+/.test(version)) continue;
    lock.packages[hoisted] = { version, license: entry.license, optional: true, ...platform };
    added.push(`${name}@${version}`);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length ? `added ${added.length} platform entries:\n  ${added.join('\n  ')}` : 'lock file already complete',
);
