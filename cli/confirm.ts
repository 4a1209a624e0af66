import { CliError, ExitCode, usageError } from './exit-codes.js';
import { printable } from './output.js';

/**
 * The guard in front of what cannot be undone. `--yes` skips it (for
 * scripts); otherwise a person at a terminal must answer y. Without a
 * terminal and without --yes there is nobody to ask, so it is a usage error
 * (exit 2) before anything is sent, never a silent yes.
 */
export function assertCanConfirm(yes: boolean, command: string): void {
  if (yes || process.stdin.isTTY) return;
  throw usageError(`no terminal to confirm on; pass --yes to ${command} without asking`);
}

/** Asks on stderr (stdout stays clean for --json); anything but y or yes declines, with exit 1 and nothing done. */
export async function confirm(question: string): Promise<void> {
  process.stderr.write(`${printable(question)} [y/N] `);
  const answer = await readLine();
  if (!/^\s*y(es)?\s*$/i.test(answer)) throw new CliError(ExitCode.GeneralError, 'not confirmed; nothing was changed');
}

/**
 * One line from the terminal in its ordinary (cooked) mode: it echoes the
 * answer and turns Ctrl-C into SIGINT itself. Not node:readline, which
 * repositions the cursor with escape codes around a prompt wider than the
 * terminal. End of input (Ctrl-D) is an empty answer: a no.
 */
function readLine(): Promise<string> {
  const input = process.stdin;
  input.setEncoding('utf8');
  return new Promise<string>((resolve) => {
    let typed = '';
    const finish = () => {
      input.off('data', onData);
      input.off('end', finish);
      input.pause();
      resolve(typed.split(/[\r\n]/)[0] ?? '');
    };
    function onData(chunk: string): void {
      typed += chunk;
      if (/[\r\n]/.test(typed)) finish();
    }
    input.on('data', onData);
    input.on('end', finish);
    input.resume();
  });
}
