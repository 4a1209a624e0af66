import type { CredentialsUser } from './credentials.js';
import { endSessionOnServer } from './end-session.js';
import { CliError } from './exit-codes.js';

export interface ReplacedLogin {
  user: CredentialsUser;
  /** What happened to its session: `ended on the server`, `already over`, or why it was not ended. */
  outcome: string;
  ended_on_server: boolean;
}

/**
 * `authcli login` over a stored login: the old session is ended on the server
 * first, so a second login does not leave a live refresh token nobody holds.
 * Best effort: a server that cannot end it does not stop the new login, and
 * the old session then runs out on its own.
 */
export async function endPreviousSession(baseUrl: string, previous: { user: CredentialsUser }): Promise<ReplacedLogin> {
  const user = { id: previous.user.id, email: previous.user.email };
  try {
    const outcome = await endSessionOnServer({ baseUrl, token: undefined }, 'current');
    return { user, outcome: outcome === 'ended' ? 'ended on the server' : 'already over', ended_on_server: outcome === 'ended' };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { user, outcome: `not ended on the server (${error.message}); it runs out on its own`, ended_on_server: false };
  }
}
