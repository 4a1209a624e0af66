import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, PACKAGE_ROOT, spawnGroup, waitForListening } from './helpers/child-server.js';
import { GOOD_PASSWORD, onPostgres, testEnv, uniqueEmail } from './helpers/server.js';

afterAll(cleanUpChildren);

/**
 * `npm start` as a terminal runs it: npm and the server in a process group of their own. A signal to the group
 * (Ctrl-C, or `kill -TERM -<pgid>`) reaches the server twice, directly and forwarded by npm. Issue 10: the
 * second one used to kill the server and cut off the request in flight.
 */
function npmStart() {
  const cwd = makeTempDir('npm-start');
  const env = {
    ...testEnv(cwd, { BCRYPT_ROUNDS: '14', LOG_LEVEL: 'info', DATABASE_URL: `sqlite:///${join(cwd, 'app.db')}` }),
    HOME: process.env.HOME ?? cwd,
    // `npm test` has built dist/ already: skip a `prestart` build if there is one (the start script itself runs).
    npm_config_ignore_scripts: 'true',
    npm_config_update_notifier: 'false',
  };
  return spawnGroup('npm', ['start'], { cwd: PACKAGE_ROOT, env });
}

/** A registration whose bcrypt (cost 14, about a second) is running when `whileInFlight` is called. */
function slowRegistration(url: string, whileInFlight: () => void): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ email: uniqueEmail('signals'), password: GOOD_PASSWORD });
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: 'POST',
        path: '/api/v1/users/register',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Expect: '100-continue', Connection: 'close' },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    // The server has the request once it asks for the body; the body parsed, hashing starts at once.
    req.on('continue', () => {
      req.end(body);
      setTimeout(whileInFlight, 150);
    });
    req.flushHeaders();
  });
}

describe.skipIf(onPostgres)('npm start in its own process group (sqlite project only: the child runs on its own SQLite file)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('two SIGTERMs to the group 100 ms apart during a slow registration: the client gets its 201, the repeats are logged, exit 0', async () => {
    const server = await waitForListening(npmStart());
    const answered = await slowRegistration(server.url, () => {
      server.signalGroup('SIGTERM');
      setTimeout(() => server.signalGroup('SIGTERM'), 100);
    });
    expect(answered.status, answered.body).toBe(201);
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const logs = server.logs();
    expect(logs.filter((line) => line.msg === 'shutting down')).toHaveLength(1);
    const ignored = logs.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('already shutting down'));
    // At least the second group signal; npm forwards what it receives, so usually three.
    expect(ignored.length).toBeGreaterThanOrEqual(1);
    expect(ignored[0]).toMatchObject({ level: 40, signal: 'SIGTERM' });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'request', operationId: 'registerUser', status: 201 }));
  });

  it('SIGQUIT exits at once, even with a request in flight (the documented way to force it)', async () => {
    const server = await waitForListening(npmStart());
    const started = Date.now();
    const answered = slowRegistration(server.url, () => server.signalGroup('SIGQUIT')).then(
      (result) => result.status,
      () => 'cut off',
    );
    const exit = await server.exited;
    expect(await answered).toBe('cut off');
    expect(Date.now() - started).toBeLessThan(5_000);
    // npm reports its script's failure with a code of its own; the server's line says what happened.
    expect(exit.code).not.toBe(0);
    expect(server.logs()).toContainEqual(expect.objectContaining({ signal: 'SIGQUIT', msg: expect.stringContaining('exiting at once') }));
  });
});
