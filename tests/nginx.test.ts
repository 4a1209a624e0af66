import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const NGINX = '/usr/sbin/nginx';
const hasNginx = existsSync(NGINX);
const SUITE = hasNginx
  ? 'deploy/nginx.conf in front of the API, in a real nginx'
  : `deploy/nginx.conf in front of the API, in a real nginx (SKIPPED: no ${NGINX}; install Debian's nginx-light package)`;

/**
 * deploy/nginx.conf as it is, with its two upstream instances pointed at the test server and its `listen 80` at a
 * free local port, inside the few main-context lines a non-daemon nginx in a scratch folder needs.
 */
function nginxConfig(dir: string, listenPort: number, apiPort: number): string {
  const site = readFileSync(new URL('../deploy/nginx.conf', import.meta.url), 'utf8');
  const pointed = site.replace(/server api-[ab]:8000\b/g, `server 127.0.0.1:${apiPort}`).replace(/listen 80;/, `listen 127.0.0.1:${listenPort};`);
  if (pointed.includes('api-a:') || pointed.includes('api-b:') || !pointed.includes(`listen 127.0.0.1:${listenPort};`)) {
    throw new Error('deploy/nginx.conf no longer has `server api-a:8000`/`api-b:8000` and `listen 80;`: update this test');
  }
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${join(dir, name)};`).join('\n  ');
  return `daemon off;\nmaster_process off;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')};\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n${pointed}\n}\n`;
}

/** A GET with the path sent byte for byte (fetch would normalise `/./metrics` or `//metrics` before sending). */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe.skipIf(!hasNginx)(SUITE, () => {
  let server: TestServer;
  let nginx: ChildProcess | undefined;
  let dir = '';
  let port = 0;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'authapi-nginx-'));
    port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig(dir, port, Number(new URL(server.url).port)));
    nginx = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nginx.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    for (let tries = 0; ; tries += 1) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      try {
        if ((await get(port, '/healthz')) === 200) break;
      } catch {
        // not listening yet
      }
      if (tries > 100) throw new Error(`nginx did not come up: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx?.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes the API through', async () => {
    expect(await get(port, '/healthz')).toBe(200);
    expect(await get(port, '/api/v1/users/me')).toBe(401);
  });

  it('serves /metrics on the instance itself (what Prometheus scrapes) …', async () => {
    expect(await get(Number(new URL(server.url).port), '/metrics')).toBe(200);
  });

  it.each([
    '/metrics', '/metrics/', '/METRICS', '/Metrics', '/metrics?format=text', '//metrics', '/./metrics', '/x/../metrics',
    '/%6detrics', '/%6Detrics', '/metrics%2F', '/metrics;x', '/metrics/.', '/metrics//',
  ])('… and never through the edge: %s is a 404', async (path) => {
    expect(await get(port, path)).toBe(404);
  });
});
