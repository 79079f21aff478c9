/** A self-hosted Nx remote cache on loopback, for the e2e tests that share a cache between clones. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Nx's self-hosted remote cache protocol (Nx >= 20.8, OpenAPI spec on nx.dev "self-hosted
 * caching"): GET /v1/cache/{hash} → 200 tar | 404; PUT /v1/cache/{hash} with the tar body →
 * 200 | 409 when present; `Authorization: Bearer <NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN>`, 401/403
 * otherwise. A separate process on loopback: the tests run nx synchronously, which would block
 * a server in this process.
 */
const SERVER = `const http = require('http'), fs = require('fs'), path = require('path');
const [dir, token, journal] = process.argv.slice(2);
http.createServer((req, res) => {
  const m = /^\\/v1\\/cache\\/([^/?]+)$/.exec(req.url);
  const body = [];
  req.on('data', (c) => body.push(c));
  req.on('end', () => {
    const reply = (code) => { fs.appendFileSync(journal, req.method + ' ' + (m ? m[1] : req.url) + ' ' + code + ' ' + Buffer.concat(body).length + '\\n'); res.writeHead(code); res.end(code === 200 && req.method === 'GET' ? fs.readFileSync(path.join(dir, m[1])) : undefined); };
    if (req.headers.authorization !== 'Bearer ' + token) {
      // Nx requires text/plain on 401/403 (else: "Misconfigured remote cache endpoint").
      fs.appendFileSync(journal, req.method + ' ' + (m ? m[1] : req.url) + ' 401 0\\n');
      res.writeHead(401, { 'content-type': 'text/plain' });
      return res.end('bad token');
    }
    if (!m) return reply(404);
    const file = path.join(dir, m[1]);
    if (req.method === 'GET') return reply(fs.existsSync(file) ? 200 : 404);
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
  /** `<METHOD> <hash> <status> <body bytes>` per request. */
  journal: () => string[];
  stop: () => void;
}

/** Starts the server with its store in `dir` (the caller removes `dir` and calls `stop`). */
export async function startRemoteCacheServer(dir: string, token: string): Promise<RemoteCache> {
  writeFileSync(join(dir, 'server.js'), SERVER);
  const store = join(dir, 'store');
  mkdirSync(store, { recursive: true });
  const journalFile = join(dir, 'journal.log');
  writeFileSync(journalFile, '');
  const child: ChildProcess = spawn(process.execPath, [join(dir, 'server.js'), store, token, journalFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`remote cache server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, journal: () => readFileSync(journalFile, 'utf8').split('\n').filter(Boolean), stop: () => child.kill() };
}
