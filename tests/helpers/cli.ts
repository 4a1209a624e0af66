import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { GOOD_PASSWORD, TEST_JWT_SECRET } from './server.js';

/** The built binary, exactly what `npx authcli` runs; `npm test` builds it first. */
export const AUTHCLI_BIN = fileURLToPath(new URL('../../bin/authcli.js', import.meta.url));

/** How every colour or style sequence starts: output to a pipe must hold none. */
export const ANSI_ESCAPE = '\u001b[';

/** For the tests that start many processes or a server of their own: a busy CI machine can take several times longer. */
export const SLOW_TEST_MS = 90_000;

/**
 * A URL where nothing listens: port 9 (discard) is below the ephemeral range, so no server a test starts on port 0
 * can be handed it (a port taken and given back could be, by a test file running in parallel).
 */
export const UNREACHABLE_URL = 'http://127.0.0.1:9';

/** The documented exit codes (cli/exit-codes.ts), spelled out so a test reads as the contract. */
export const EXIT = { ok: 0, generalError: 1, usage: 2, unreachable: 3, notLoggedIn: 4 } as const;

export interface CliResult {
  /** The exit code; null only if the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Written to standard input, which is then closed. Standard input is always a pipe, never a terminal. */
  stdin?: string;
  /** Added to the sandbox's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

/**
 * A home and a config folder of its own, and an environment built from
 * scratch: nothing from the developer's shell (their AUTHCLI_BASE_URL, their
 * ~/.config) can leak into a test, and no test sees another's credentials.
 */
export interface CliSandbox {
  home: string;
  configDir: string;
  env: Record<string, string>;
  run(args: string[], options?: CliRunOptions): Promise<CliResult>;
  /** Runs under a pseudo-terminal (util-linux `script`), answering each password prompt in turn. */
  runInTerminal(args: string[], options: { answers: string[]; env?: Record<string, string | undefined> }): Promise<CliResult>;
  /** Every file in the config folder, by path: the credentials `authcli` wrote, and nothing else. */
  credentialFiles(): string[];
  /** The one credentials file, parsed; fails unless there is exactly one. */
  readCredentials(): { path: string; content: Record<string, unknown> };
  writeCredentials(path: string, content: Record<string, unknown>): void;
  cleanup(): void;
}

export function createCliSandbox(baseUrl: string): CliSandbox {
  const home = mkdtempSync(join(tmpdir(), 'authcli-test-'));
  const configDir = join(home, 'config');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AUTHCLI_CONFIG_DIR: configDir,
    AUTHCLI_BASE_URL: baseUrl,
  };
  const credentialFiles = () => {
    try {
      // Every file, not only *.json: a temporary file left behind by a write counts too.
      return readdirSync(configDir).map((name) => join(configDir, name));
    } catch {
      return [];
    }
  };
  return {
    home,
    configDir,
    env,
    run: (args, options = {}) => runProcess(process.execPath, [AUTHCLI_BIN, ...args], withOverrides(env, options.env), { stdin: options.stdin ?? '' }),
    runInTerminal: (args, options) =>
      runProcess('script', ['--quiet', '--return', '--flush', '--command', shellCommand([process.execPath, AUTHCLI_BIN, ...args]), '/dev/null'], withOverrides(env, options.env), {
        answers: options.answers,
      }),
    credentialFiles,
    readCredentials() {
      const files = credentialFiles();
      if (files.length !== 1) throw new Error(`expected one credentials file in ${configDir}, found ${files.length}`);
      const path = files[0] ?? '';
      const content: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (typeof content !== 'object' || content === null) throw new Error(`${path} does not hold an object`);
      return { path, content: { ...content } };
    },
    writeCredentials(path, content) {
      writeFileSync(path, JSON.stringify(content), { mode: 0o600 });
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** `authcli login --password-stdin` in this sandbox. */
export function cliLogin(
  cli: CliSandbox,
  email: string,
  options: { password?: string; args?: string[]; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  return cli.run([...(options.args ?? []), 'login', '--email', email, '--password-stdin'], {
    stdin: `${options.password ?? GOOD_PASSWORD}\n`,
    env: options.env,
  });
}

/** A command's output as lines, with Windows line ends and the final newline removed. */
export function outputLines(text: string): string[] {
  return text.replaceAll('\r\n', '\n').trimEnd().split('\n');
}

/** The stored tokens of the one credentials file, read as strings (a test fails here if either is missing). */
export function storedTokens(cli: CliSandbox): { path: string; content: Record<string, unknown>; accessToken: string; refreshToken: string } {
  const { path, content } = cli.readCredentials();
  const { access_token: accessToken, refresh_token: refreshToken } = content;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string') throw new Error(`no token pair stored in ${path}`);
  return { path, content, accessToken, refreshToken };
}

/** The access token of the one credentials file (a test fails here if there is none). */
export function storedAccessToken(cli: CliSandbox): string {
  const { content } = cli.readCredentials();
  if (typeof content.access_token !== 'string') throw new Error('no access_token stored');
  return content.access_token;
}

/** Rewrites the stored expiry into the past, as if the access token had run out while the CLI was not running. */
export function expireStoredToken(cli: CliSandbox, changes: Record<string, unknown> = {}): void {
  const { path, content } = cli.readCredentials();
  cli.writeCredentials(path, { ...content, access_token_expires_at: new Date(Date.now() - 60_000).toISOString(), ...changes });
}

/**
 * The token re-signed with the test secret and a new `exp`, keeping every
 * other claim the server put in it: whatever the server checks besides expiry
 * (session ids included) still matches, so a 401 can only mean "expired".
 */
export function resignedToken(token: string, exp: number): string {
  const payload: unknown = jwt.decode(token);
  if (typeof payload !== 'object' || payload === null) throw new Error('not a JWT');
  return jwt.sign({ ...payload, exp }, TEST_JWT_SECRET, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } });
}

export function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Every `--json` output must parse; a stray log line on stdout fails here. */
export function parseJson(stdout: string): Record<string, unknown> {
  const value: unknown = JSON.parse(stdout);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${stdout}`);
  return { ...value };
}

function withOverrides(env: Record<string, string>, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string> = { ...env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

export function shellCommand(words: string[]): string {
  return words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
}

/** A password or code prompt, or a yes/no confirmation. */
const PROMPT = /(?:password: |\[y\/N\] |recovery code\): )$/i;
/** A hung child fails its test instead of the whole run. */
const KILL_AFTER_MS = 20_000;

export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  input: { stdin: string } | { answers: string[] },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const answers = 'answers' in input ? [...input.answers] : [];
    let answeredUpTo = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // Under `script`, prompts arrive on stdout (the terminal); answer each once, as a person would.
      if ('answers' in input && PROMPT.test(stdout.slice(answeredUpTo))) {
        answeredUpTo = stdout.length;
        const answer = answers.shift();
        if (answer !== undefined) child.stdin.write(`${answer}\r`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading its input (a usage error) closes the pipe first: EPIPE is no failure of the test.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    if ('stdin' in input) child.stdin.end(input.stdin);
  });
}
