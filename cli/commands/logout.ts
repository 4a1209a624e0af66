import { createApiClient } from '../client.js';
import type { CommandContext } from '../command-context.js';
import { deleteCredentials, loadCredentials, type StoredCredentials } from '../credentials.js';
import { CliError } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { serverRefused } from '../server-refusal.js';

export interface LogoutOptions {
  json?: boolean;
}

/**
 * Ends the session on the server, then forgets it here. The local half always
 * happens: a logout that leaves a token on disk because the server was down
 * would be worse than one that reports the server half failed.
 */
export async function run({ baseUrl }: CommandContext, options: LogoutOptions): Promise<void> {
  const credentials = loadIfReadable(baseUrl);
  let revocationFailure: CliError | undefined;
  if (credentials) {
    try {
      await revokeOnServer(baseUrl, credentials);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      revocationFailure = error;
    }
  }
  const forgotten = deleteCredentials(baseUrl);
  if (revocationFailure) {
    throw new CliError(revocationFailure.exitCode, `${revocationFailure.message}; the session may still be open on the server`, [
      ...revocationFailure.details,
      forgotten ? 'The stored credentials were deleted all the same.' : 'There were no stored credentials.',
    ]);
  }
  if (options.json) printJson({ base_url: baseUrl, logged_out: forgotten });
  else printLine(forgotten ? `Logged out of ${baseUrl}.` : `Not logged in at ${baseUrl}; nothing to do.`);
}

/**
 * 401: the token is already expired or revoked, so there is nothing left to
 * end. 404: a server from before logout existed; its tokens simply expire.
 */
async function revokeOnServer(baseUrl: string, credentials: StoredCredentials): Promise<void> {
  const { error, response } = await createApiClient(baseUrl, { accessToken: credentials.access_token }).POST('/api/v1/users/logout');
  if (response.ok || response.status === 401 || response.status === 404) return;
  throw serverRefused(response, error);
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
