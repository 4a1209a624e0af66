import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const NGINX = '/usr/sbin/nginx';
export const hasNginx = existsSync(NGINX);

/** deploy/nginx.conf, running in a real nginx in front of an API instance. */
export interface RunningNginx {
  port: number;
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  stop(): Promise<void>;
}

/**
 * deploy/nginx.conf as it is, with its two upstream instances pointed at the test server and its `listen 80` at a
 * free local port, inside the few main-context lines a non-daemon nginx in a scratch folder needs.
 */
function nginxConfig(dir: string, listenPort: number, apiPort: number): string {
  const site = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
  const pointed = site.replace(/server api-[ab]:8000\b/g, `server 127.0.0.1:${apiPort}`).replace(/listen 80;/, `listen 127.0.0.1:${listenPort};`);
  if (pointed.includes('api-a:') || pointed.includes('api-b:') || !pointed.includes(`listen 127.0.0.1:${listenPort};`)) {
    throw new Error('deploy/nginx.conf no longer has `server api-a:8000`/`api-b:8000` and `listen 80;`: update this helper');
  }
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${join(dir, name)};`).join('\n  ');
  return `daemon off;\nmaster_process off;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')};\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n${pointed}\n}\n`;
}

/** A GET with the path sent byte for byte (fetch would normalise `/./metrics` or `//metrics` before sending). */
export function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** Starts nginx in front of the API on apiPort and waits until it passes /healthz through. */
export async function startNginx(apiPort: number): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'authapi-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, apiPort));
  const nginx = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const stop = async () => {
    if (nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let tries = 0; ; tries += 1) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      try {
        if ((await rawGet(port, '/healthz')) === 200) break;
      } catch {
        // not listening yet
      }
      if (tries > 100) throw new Error(`nginx did not come up: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, stop };
}
