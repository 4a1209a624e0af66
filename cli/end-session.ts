import type { CommandContext } from './command-context.js';
import { CliError, ExitCode } from './exit-codes.js';
import { requireSession, sessionRefused } from './session.js';

export type LogoutScope = 'current' | 'all';

/**
 * Ends the session on the server (with `all`, every session of the account).
 * Through the session's client, so an expired stored access token is
 * refreshed first: otherwise its still-live refresh token would outlast the
 * logout. For this session alone, "not logged in" and 401 mean it is already
 * over, and 404 is a server from before logout existed (its tokens simply
 * expire). `all` needs a live session to act with, so for it those are failures.
 */
export async function endSessionOnServer(context: CommandContext, scope: LogoutScope): Promise<'ended' | 'already over'> {
  try {
    const session = await requireSession(context);
    // `current` is the default: leaving the query out keeps servers from before ?scope working.
    const { error, response } = await session.client.POST('/api/v1/users/logout', scope === 'current' ? {} : { params: { query: { scope } } });
    if (response.ok) return 'ended';
    if (scope === 'current' && (response.status === 401 || response.status === 404)) return 'already over';
    throw sessionRefused(context, response, error);
  } catch (error) {
    // Raised by requireSession, or by the refresh a 401 sets off: the session is over.
    if (scope === 'current' && error instanceof CliError && error.exitCode === ExitCode.NotLoggedIn) return 'already over';
    throw error;
  }
}
