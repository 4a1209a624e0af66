import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHILD_START_TIMEOUT_MS,
  CHILD_TEST_TIMEOUT_MS,
  cleanUpChildren,
  makeTempDir,
  runToExit,
  SERVER_MAIN,
  spawnGroup,
  startChildServer,
} from './helpers/child-server.js';
import { onPostgres, testEnv } from './helpers/server.js';

afterAll(cleanUpChildren);

const STACK_FRAME = /^\s+at /m;
// Built from a string: a control character in a regex literal is refused by the linter.
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');

/** The development-secret situation of a newcomer: no .env, no JWT_SECRET. */
function newcomerEnv(cwd: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = testEnv(cwd, { NODE_ENV: 'development', LOG_LEVEL: 'info', ...extra });
  delete env.JWT_SECRET;
  return env;
}

/**
 * The server on a pseudo-terminal, through util-linux's `script` (stdout is then a TTY, as in a person's
 * terminal); waits until it says where it listens. What it wrote comes back with the terminal's \r\n as \n.
 */
async function startOnTerminal(env: Record<string, string>) {
  const cwd = makeTempDir('terminal');
  const run = spawnGroup('script', ['-qfec', `${process.execPath} ${SERVER_MAIN}`, '/dev/null'], { cwd, env: { ...env, TERM: 'xterm' } });
  const output = () => run.stdout().replaceAll('\r\n', '\n');
  const deadline = Date.now() + CHILD_START_TIMEOUT_MS;
  let url: string | undefined;
  while (Date.now() < deadline && url === undefined) {
    url = /(?:listening on |"url":")(http:\/\/127\.0\.0\.1:\d+)/.exec(output().replace(ANSI, ''))?.[1];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (url === undefined) throw new Error(`no listening line on the terminal:\n${output()}`);
  const stop = async () => {
    run.signalGroup('SIGTERM');
    await run.exited;
  };
  return { url, output, stop };
}

async function waitFor(text: () => string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + CHILD_START_TIMEOUT_MS;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`waited in vain for ${String(pattern)} in:\n${text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(onPostgres)('start-up output (sqlite project only: the children run on their own SQLite files)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('on a terminal: a banner a person reads (address, docs, database, a loud development-secret warning) and readable request lines', async () => {
    const server = await startOnTerminal(newcomerEnv(makeTempDir('terminal-db')));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await waitFor(() => server.output().replace(ANSI, ''), /200 GET \/healthz/);
    // What a group signal makes `script` print after this is not the server's; the shutdown is checked below.
    await server.stop();
    const coloured = server.output();
    const text = coloured.replace(ANSI, '');

    expect(text).toContain(`authapi is listening on ${server.url}`);
    expect(text).toMatch(new RegExp(`API docs +${server.url}/docs`));
    expect(text).toMatch(/database +SQLite .*app\.db/);
    expect(text).toMatch(/settings +no \.env file/);
    expect(text).toMatch(/^ !! WARNING {2}JWT_SECRET is not set: using a development secret/m);
    expect(text).toMatch(/Fix: cp \.env\.example \.env/);
    // Loud: in colour (bold, reversed) on a terminal.
    expect(coloured).toContain('\u001b[1;7;33m !! WARNING ');
    expect(text).toMatch(/INFO {2}applied migrations/);
    expect(text).toMatch(/200 GET \/healthz {2}checkLiveness {2}[\d.]+ ms/);
    expect(text.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
  });

  it('on a terminal with LOG_FORMAT=json: JSON lines only', async () => {
    const server = await startOnTerminal(newcomerEnv(makeTempDir('terminal-json'), { LOG_FORMAT: 'json' }));
    await server.stop();
    const lines = server.output().split('\n').filter((line) => line.trim() !== '' && !line.startsWith('Session terminated'));
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(server.output()).not.toContain('authapi is listening');
  });

  it('piped (not a terminal): JSON lines only, the warning among them; LOG_FORMAT=pretty asks for the banner, without colour', async () => {
    const cwd = makeTempDir('piped');
    const piped = await startChildServer({ cwd, env: newcomerEnv(cwd) });
    piped.kill('SIGTERM');
    await piped.exited;
    const lines = piped.stdout().split('\n').filter((line) => line !== '');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(piped.logs()).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('JWT_SECRET') }));

    const askedCwd = makeTempDir('piped-pretty');
    const asked = spawnGroup(process.execPath, [SERVER_MAIN], { cwd: askedCwd, env: newcomerEnv(askedCwd, { LOG_FORMAT: 'pretty' }) });
    await waitFor(asked.stdout, /authapi is listening on/);
    asked.signalGroup('SIGTERM');
    expect(await asked.exited).toEqual({ code: 0, signal: null });
    expect(asked.stdout()).toMatch(/^ !! WARNING {2}JWT_SECRET/m);
    expect(asked.stdout()).not.toContain(String.fromCharCode(27));
    expect(asked.stdout()).toMatch(/INFO {2}shutting down {2}signal=SIGTERM/);
  });

  it('a port in use: one line naming the address and PORT, exit 78, no stack trace', async () => {
    const squatter = createServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const { port } = squatter.address() as AddressInfo;
    try {
      const cwd = makeTempDir('port-in-use');
      const result = await runToExit({ cwd, env: testEnv(cwd, { PORT: String(port) }) });
      expect(result.code).toBe(78);
      expect(result.stderr).toBe(`Cannot listen on 127.0.0.1:${port}: another process is using it. Set PORT to a free port (e.g. PORT=${port + 1}) or stop the other process.\n`);
      expect(result.stdout).not.toMatch(/listening on/);
      expect(result.stderr + result.stdout).not.toMatch(STACK_FRAME);
    } finally {
      squatter.close();
    }
  });

  it('a HOST that is not an address of this machine: one line naming HOST, exit 78', async () => {
    const cwd = makeTempDir('bad-host');
    // TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const result = await runToExit({ cwd, env: testEnv(cwd, { HOST: '192.0.2.1' }) });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^Cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine\. Set HOST .*\n$/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
