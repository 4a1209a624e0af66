import type { CommandContext } from '../command-context.js';
import { deleteCredentials, loadCredentials, type StoredCredentials } from '../credentials.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { requireSession, sessionRefused, type Session } from '../session.js';

export interface LogoutOptions {
  all?: boolean;
  json?: boolean;
}

type Scope = 'current' | 'all';

/**
 * Ends the session on the server (with --all, every session of the account),
 * then forgets it here. The local half always happens: a logout that leaves a
 * token on disk because the server was down would be worse than one that
 * reports the server half failed.
 */
export async function run({ baseUrl }: CommandContext, options: LogoutOptions): Promise<void> {
  const scope: Scope = options.all ? 'all' : 'current';
  const stored = loadIfReadable(baseUrl);
  let revocationFailure: CliError | undefined;
  if (stored || scope === 'all') {
    try {
      await endOnServer(baseUrl, scope);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      revocationFailure = error;
    }
  }
  // A refresh that found the session already over has deleted the file itself.
  const forgotten = deleteCredentials(baseUrl) || stored !== undefined;
  if (revocationFailure) {
    const unended = scope === 'all' ? 'the account’s sessions may still be open on the server' : 'the session may still be open on the server';
    throw new CliError(revocationFailure.exitCode, `${revocationFailure.message}; ${unended}`, [
      ...revocationFailure.details,
      forgotten ? 'The stored credentials were deleted all the same.' : 'There were no stored credentials.',
    ]);
  }
  if (options.json) printJson({ base_url: baseUrl, logged_out: forgotten, scope });
  else if (scope === 'all') printLine(`Logged out of ${baseUrl}: every session of ${stored?.user.email ?? 'the account'} has ended.`);
  else printLine(forgotten ? `Logged out of ${baseUrl}.` : `Not logged in at ${baseUrl}; nothing to do.`);
}

/**
 * Through the session's client, so an expired access token is refreshed
 * first: otherwise its still-live refresh token would outlast the logout.
 * For this session alone, "not logged in" and 401 mean it is already over,
 * and 404 is a server from before logout existed (its tokens simply expire).
 * --all needs a live session to act with, so for it those are failures.
 */
async function endOnServer(baseUrl: string, scope: Scope): Promise<void> {
  let session: Session;
  try {
    session = await requireSession(baseUrl);
  } catch (error) {
    if (scope === 'current' && error instanceof CliError && error.exitCode === ExitCode.NotLoggedIn) return;
    throw error;
  }
  // `current` is the default: leaving the query out keeps servers from before ?scope working.
  const { error, response } = await session.client.POST('/api/v1/users/logout', scope === 'current' ? {} : { params: { query: { scope } } });
  if (response.ok) return;
  if (scope === 'current' && (response.status === 401 || response.status === 404)) return;
  throw sessionRefused(baseUrl, response, error);
}

/** Damaged credentials are still deleted: logout is how a user starts over. */
function loadIfReadable(baseUrl: string): StoredCredentials | undefined {
  try {
    return loadCredentials(baseUrl);
  } catch (error) {
    if (error instanceof CliError) return undefined;
    throw error;
  }
}
