/** A self-hosted Nx remote cache on loopback, for the e2e tests that share a cache between clones. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Nx's self-hosted remote cache protocol (Nx >= 20.8, OpenAPI spec on nx.dev "self-hosted
 * caching"): GET /v1/cache/{hash} → 200 tar | 404; PUT /v1/cache/{hash} with the tar body →
 * 200 | 409 when present; `Authorization: Bearer <NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN>`, 401/403
 * otherwise (403 for a read-only token's PUT). A separate process on loopback: the tests run nx synchronously, which would block
 * a server in this process.
 */
const SERVER = `const http = require('http'), fs = require('fs'), path = require('path');
const [dir, token, readToken, journal] = process.argv.slice(2);
http.createServer((req, res) => {
  const m = /^\\/v1\\/cache\\/([^/?]+)$/.exec(req.url);
  const body = [];
  const who = req.headers.authorization === 'Bearer ' + token ? 'rw' : req.headers.authorization === 'Bearer ' + readToken ? 'ro' : '-';
  const log = (code) => fs.appendFileSync(journal, req.method + ' ' + (m ? m[1] : req.url) + ' ' + code + ' ' + Buffer.concat(body).length + ' ' + who + '\\n');
  req.on('data', (c) => body.push(c));
  req.on('end', () => {
    const reply = (code) => { log(code); res.writeHead(code); res.end(code === 200 && req.method === 'GET' ? fs.readFileSync(path.join(dir, m[1])) : undefined); };
    // Nx requires text/plain on 401/403 (else: "Misconfigured remote cache endpoint").
    const refuse = (code, text) => { log(code); res.writeHead(code, { 'content-type': 'text/plain' }); res.end(text); };
    if (who === '-') return refuse(401, 'bad token');
    if (!m) return reply(404);
    const file = path.join(dir, m[1]);
    if (req.method === 'GET') return reply(fs.existsSync(file) ? 200 : 404);
    // A read-only token (what branch runs get) may restore entries, never write them.
    if (req.method === 'PUT' && who === 'ro') return refuse(403, 'read-only token');
    if (req.method === 'PUT') {
      if (fs.existsSync(file)) return reply(409);
      fs.writeFileSync(file, Buffer.concat(body));
      return reply(200);
    }
    reply(405);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

export interface RemoteCache {
  url: string;
  /** `<METHOD> <hash> <status> <body bytes> <rw|ro|->` per request (which token it carried). */
  journal: () => string[];
  /** The entries the store holds, sorted. */
  entries: () => string[];
  stop: () => void;
}

/**
 * Starts the server with its store in `dir` (the caller removes `dir` and calls `stop`). `token`
 * reads and writes; `readToken` (what branch runs get) only reads.
 */
export async function startRemoteCacheServer(
  dir: string,
  token: string,
  readToken = 'no-read-only-token',
): Promise<RemoteCache> {
  writeFileSync(join(dir, 'server.js'), SERVER);
  const store = join(dir, 'store');
  mkdirSync(store, { recursive: true });
  const journalFile = join(dir, 'journal.log');
  writeFileSync(journalFile, '');
  const child: ChildProcess = spawn(process.execPath, [join(dir, 'server.js'), store, token, readToken, journalFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`remote cache server exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    journal: () => readFileSync(journalFile, 'utf8').split('\n').filter(Boolean),
    entries: () => readdirSync(store).sort(),
    stop: () => child.kill(),
  };
}
