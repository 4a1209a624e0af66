import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child-server.js';
import { runProcess, shellCommand, type CliResult } from './helpers/cli.js';
import { freePort } from './helpers/ports.js';
import { codeBlocks, onPort, transcriptSteps, type CodeBlock } from './helpers/readme.js';
import { GOOD_PASSWORD, onPostgres } from './helpers/server.js';

/**
 * The README's first hour, as a newcomer copies it: the quick start (`npm link`, `npm start`), the "Try it" blocks
 * (curl, then HTTPie) and the `authcli` session, run as written against the server `npm start` started. Only the
 * port differs (a free one, see `onPort`), `npm link` goes into a temporary prefix instead of the machine's, and
 * `npm ci` is not run again. curl and HTTPie are told to fail on an HTTP error status (a `.curlrc`, an HTTPie
 * config), so a 401 or a 422 fails here as it would surprise a reader.
 */
const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const blocks = codeBlocks(README);
const QUICK_START = only(blocks.filter((block) => block.heading === '# authapi' && block.lang === 'sh'), 'the quick start');
const TRY_IT = blocks.filter((block) => block.heading === '## Try it' && block.lang === 'sh');
const SESSION = only(blocks.filter((block) => block.heading === '### A session' && block.lang === 'console'), 'the authcli session');
const hasHttpie = spawnSync('http', ['--version']).status === 0;

/** Transcript lines that cannot run as written, and why; anything else that fails, fails the test. */
const NOT_RUN = [{ command: /^authcli sessions --revoke [0-9a-f-]{36}$/, why: 'revokes the example browser session shown above it' }];
const NEW_PASSWORD = `${GOOD_PASSWORD} again`;
/** `npm start` runs tsc -b first, which may build on a busy machine; then migrations and the first answer. */
const START_TIMEOUT_MS = 90_000;

describe.skipIf(onPostgres)('the README, run as written (sqlite project only: npm start serves ./app.db-style SQLite)', { timeout: 120_000 }, () => {
  let home: string;
  let prefix: string;
  let port: number;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  /** What a reader's shell has after the quick start: the linked `authcli` first on the PATH. */
  let shellEnv: Record<string, string>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'authapi-readme-'));
    prefix = join(home, 'npm-global');
    port = await freePort();
    writeFileSync(join(home, '.curlrc'), 'fail-with-body\n');
    mkdirSync(join(home, 'httpie'));
    writeFileSync(join(home, 'httpie', 'config.json'), JSON.stringify({ default_options: ['--check-status', '--ignore-stdin'] }));
    shellEnv = {
      PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: home,
      CURL_HOME: home,
      HTTPIE_CONFIG_DIR: join(home, 'httpie'),
      AUTHCLI_BASE_URL: `http://127.0.0.1:${port}`,
      TERM: 'dumb',
    };
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the quick start: npm link puts this clone\'s authcli on the PATH, npm start answers', async () => {
    const lines = commandLines(QUICK_START);
    expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['npm ci', 'npm link', 'npm start']);
    for (const line of lines) {
      if (line.startsWith('npm ci')) continue; // the suite runs on what it installed
      if (line.startsWith('npm link')) {
        const linked = await runBash(line, { ...shellEnv, npm_config_prefix: prefix }, PACKAGE_ROOT);
        expect(linked.code, linked.stderr).toBe(0);
        expect(linked.stderr).not.toMatch(/warn/i);
      } else {
        server = startServer(line);
        await untilAnswering(`http://127.0.0.1:${port}/healthz`, server);
      }
    }
    const which = await runBash('command -v authcli', shellEnv);
    expect(realpathSync(which.stdout.trim())).toBe(join(PACKAGE_ROOT, 'bin', 'authcli.js'));
    const help = await runBash('authcli --help', shellEnv);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: authcli/);
  });

  it('"Try it" with curl: every command succeeds as pasted, the tokens captured in shell variables', async () => {
    const curl = TRY_IT.filter((block) => /^curl /m.test(block.code));
    expect(curl).toHaveLength(1);
    await expectBlockSucceeds(curl[0]);
  });

  it.skipIf(!hasHttpie)(
    `"Try it" with HTTPie, the FastAPI tutorial's walk-through${hasHttpie ? '' : ' (SKIPPED: no `http` on the PATH; apt install httpie)'}`,
    async () => {
      const httpie = TRY_IT.filter((block) => /^http /m.test(block.code));
      expect(httpie).toHaveLength(1);
      expect(httpie[0]?.code).toContain('password=MyStrongPass123');
      await expectBlockSucceeds(httpie[0]);
    },
  );

  it('the authcli session: each command exits as the transcript shows, passwords typed at the prompts', async () => {
    let current = GOOD_PASSWORD;
    const steps = transcriptSteps(SESSION.code);
    const skipped: string[] = [];
    let previous: { command: string; result: CliResult } | undefined;
    for (const [index, step] of steps.entries()) {
      if (step.command === 'echo $?') {
        expect(previous?.result.code, `exit code of \`${previous?.command}\``).toBe(Number(step.output[0]));
        continue;
      }
      if (NOT_RUN.some((line) => line.command.test(step.command))) {
        skipped.push(step.command);
        continue;
      }
      const changesPassword = /^authcli passwd\b/.test(step.command);
      const answers = changesPassword ? [current, NEW_PASSWORD, NEW_PASSWORD] : [current, current];
      const result = await runProcess(
        'script',
        ['--quiet', '--return', '--flush', '--command', shellCommand(['bash', '-c', onPort(step.command, port)]), '/dev/null'],
        shellEnv,
        { answers },
      );
      const expected = steps[index + 1]?.command === 'echo $?' ? Number(steps[index + 1]?.output[0]) : 0;
      expect(result.code, `\`${step.command}\` printed:\n${result.stdout}${result.stderr}`).toBe(expected);
      if (changesPassword) current = NEW_PASSWORD;
      previous = { command: step.command, result };
    }
    expect(skipped).toHaveLength(NOT_RUN.length);
  });

  function startServer(line: string): ChildProcess {
    const child = spawn('bash', ['-c', line], {
      cwd: PACKAGE_ROOT,
      // A reader's shell, plus where to listen and a database of this run's own instead of ./app.db.
      env: { ...shellEnv, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:///${join(home, 'app.db')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm, tsc and node all stop with it
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (serverOutput += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (serverOutput += chunk));
    return child;
  }

  async function untilAnswering(url: string, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${serverOutput}`);
      const answered = await fetch(url).then(
        (response) => response.ok,
        () => false,
      );
      if (answered) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`npm start did not answer within ${START_TIMEOUT_MS} ms:\n${serverOutput}`);
  }

  async function expectBlockSucceeds(block: CodeBlock | undefined): Promise<void> {
    if (!block) throw new Error('no such block in the README');
    const result = await runBash(onPort(block.code, port), shellEnv);
    expect(result.code, `the block printed:\n${result.stdout}${result.stderr}`).toBe(0);
  }
});

/** The block's commands, one per line, without comments (the quick start has no continued lines). */
function commandLines(block: CodeBlock): string[] {
  return block.code
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** As a reader's shell would, but stopping at the first failing command or unset variable. */
function runBash(script: string, env: Record<string, string>, cwd = PACKAGE_ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function only(found: CodeBlock[], what: string): CodeBlock {
  const [block] = found;
  if (found.length !== 1 || !block) throw new Error(`README.md: expected one code block for ${what}, found ${found.length}`);
  return block;
}
