import { usageError } from './exit-codes.js';

interface PasswordSource {
  /** `--password-stdin`: read everything on standard input instead of asking. */
  fromStdin: boolean;
  /** Ask twice and insist on a match (a typo in a new password would lock the user out). */
  confirm: boolean;
  /** How to pipe the password into this command, shown when there is no terminal to ask on. */
  example?: string;
}

/** Well above the API's 1024 characters; past this, stdin is a file piped by mistake, not a password. */
const MAX_STDIN_BYTES = 64 * 1024;

const LOGIN_EXAMPLE = `printf '%s\\n' "$PASSWORD" | authcli login --email you@example.com --password-stdin`;
const PASSWD_EXAMPLE = `printf '%s\\n%s\\n' "$CURRENT_PASSWORD" "$NEW_PASSWORD" | authcli passwd --password-stdin`;

/**
 * The password, from a no-echo prompt or from stdin; never from an argument,
 * where `ps` and shell history would see it. Nothing here prints or keeps it.
 */
export async function readPassword(source: PasswordSource): Promise<string> {
  if (source.fromStdin) return readPasswordFromStdin();
  assertTerminal(source.example ?? LOGIN_EXAMPLE);
  const password = await promptHidden('Password: ');
  if (password === '') throw usageError('no password was typed');
  if (source.confirm && (await promptHidden('Repeat password: ')) !== password) throw usageError('the passwords do not match');
  return password;
}

/**
 * `passwd`: the current password, then the new one (asked twice on a
 * terminal). With --password-stdin, two lines: current first, new second.
 */
export async function readPasswordChange(fromStdin: boolean): Promise<{ current: string; replacement: string }> {
  if (fromStdin) {
    const lines = (await readStdin()).replace(/\r?\n$/, '').split(/\r?\n/);
    const [current, replacement] = lines;
    if (lines.length !== 2 || !current || !replacement) {
      throw usageError('--password-stdin expects two lines: the current password, then the new one', [`e.g. ${PASSWD_EXAMPLE}`]);
    }
    return { current, replacement };
  }
  assertTerminal(PASSWD_EXAMPLE);
  const current = await promptHidden('Current password: ');
  if (current === '') throw usageError('no password was typed');
  const replacement = await promptHidden('New password: ');
  if (replacement === '') throw usageError('no new password was typed');
  if ((await promptHidden('Repeat new password: ')) !== replacement) throw usageError('the new passwords do not match');
  return { current, replacement };
}

/**
 * A code from the authenticator app or a recovery code: the flag when given (for scripts), else asked on the
 * terminal without echo. `flags` names the script's way in, shown when there is no terminal, after `why` (the
 * server's own words, when it gave them).
 */
export async function readSecondFactor(given: { code?: string; recoveryCode?: string }, flags: string, why?: string): Promise<{ code: string } | { recovery_code: string }> {
  if (given.code !== undefined && given.recoveryCode !== undefined) throw usageError('give --code or --recovery-code, not both');
  if (given.code !== undefined) return { code: given.code.trim() };
  if (given.recoveryCode !== undefined) return { recovery_code: given.recoveryCode.trim() };
  if (!process.stdin.isTTY) {
    if (why !== undefined) throw usageError(why, [`There is no terminal to ask on: pass it as ${flags}.`]);
    throw usageError('this needs a code from your authenticator app, and there is no terminal to ask on', [`Pass it as ${flags}.`]);
  }
  const typed = (await promptHidden('Code from your authenticator app (or a recovery code): ')).trim();
  if (typed === '') throw usageError('no code was typed');
  return /^\d{6}$/.test(typed) ? { code: typed } : { recovery_code: typed };
}

function assertTerminal(example: string): void {
  if (process.stdin.isTTY) return;
  throw usageError('no terminal to ask for the password on, and --password-stdin was not given', [
    'To pass the password from a script, pipe it in:',
    `  ${example}`,
  ]);
}

async function readPasswordFromStdin(): Promise<string> {
  // `echo` and here-strings add one line ending; it is not part of the password.
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password === '') throw usageError('--password-stdin was given but standard input was empty');
  return password;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw usageError(`standard input is longer than ${MAX_STDIN_BYTES} bytes; expected a password`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Arrow keys and other escape sequences arrive as `ESC [ …`; none of them is part of a password. */
// eslint-disable-next-line no-control-regex -- matching the terminal's control sequences is the point
const ESCAPE_SEQUENCE = /\u001b(\[[0-9;?]*[ -/]*[@-~]|.)?/g;

/**
 * Reads one line in raw mode, so the terminal echoes nothing (not even `*`,
 * which would reveal the length). The prompt goes to stderr so that stdout
 * stays clean for `--json`.
 */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  // Raw mode first: a fast typist (or a script driving a pty) could otherwise answer before echo is off.
  input.setRawMode(true);
  process.stderr.write(question);
  input.setEncoding('utf8');
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    const finish = (then: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      then();
    };
    function onData(chunk: string): void {
      for (const char of chunk.replace(ESCAPE_SEQUENCE, '')) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed.join('')));
        // Raw mode turns Ctrl-C into a byte; give it back its usual meaning once the terminal is restored.
        if (char === '\u0003') return finish(() => process.kill(process.pid, 'SIGINT'));
        if (char === '\u0004' && typed.length === 0) return finish(() => reject(usageError('no password was typed')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char === '\u0015') typed = [];
        else if (char >= ' ') typed.push(char);
      }
    }
    input.on('data', onData);
  });
}
