/**
 * The process exit codes. Scripts branch on them, so they are part of the
 * interface: `authcli --help` and the README print this same table.
 */
export const ExitCode = {
  Success: 0,
  /** Anything that is neither usage, reachability nor login: the server refused, a confirmation was declined, a bug. */
  GeneralError: 1,
  Usage: 2,
  ServerUnreachable: 3,
  NotLoggedIn: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.Success, 'success'],
  [ExitCode.GeneralError, 'general error: the server refused (its reason is on stderr), you declined to confirm, or an unexpected error'],
  [ExitCode.Usage, 'usage error: unknown command, missing or invalid option'],
  [ExitCode.ServerUnreachable, 'the server could not be reached'],
  [ExitCode.NotLoggedIn, 'not logged in, or the session expired or was ended: run authcli login'],
];

/**
 * An expected failure. Its message (and detail lines) are written for the
 * person at the terminal and printed without a stack; its exit code is for
 * scripts. Anything else that escapes is a bug.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly details: readonly string[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export function usageError(message: string, details: readonly string[] = []): CliError {
  return new CliError(ExitCode.Usage, message, details);
}

/** Exit 4, always saying "not logged in" so the remedy is obvious, plus why when we know. */
export function notLoggedIn(baseUrl: string, reason?: string, cause?: unknown): CliError {
  return new CliError(ExitCode.NotLoggedIn, `not logged in at ${baseUrl}${reason ? `: ${reason}` : ''}`, [
    'Run `authcli login --email <you@example.com>` to log in.',
  ], { cause });
}
