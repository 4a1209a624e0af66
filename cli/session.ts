import type { components } from '../generated/openapi.js';
import { loadCredentials, newCredentials, type StoredCredentials } from './credentials.js';
import { notLoggedIn, type CliError } from './exit-codes.js';
import { formatTime } from './output.js';
import { serverRefused } from './server-refusal.js';

type TokenResponse = components['schemas']['TokenResponse'];
type User = components['schemas']['User'];

/**
 * A token with less life left than this is treated as expired: a request
 * started with it could arrive after it ran out and fail with a confusing 401.
 */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * The stored session for this server, if its access token can still be used.
 * Async on purpose: this is where a transparent refresh will go (when the
 * token is expired and a `refresh_token` is stored), with no caller changing.
 */
export async function requireSession(baseUrl: string, now = Date.now()): Promise<StoredCredentials> {
  const credentials = loadCredentials(baseUrl);
  if (!credentials) throw notLoggedIn(baseUrl);
  if (Date.parse(credentials.access_token_expires_at) - EXPIRY_MARGIN_MS <= now) {
    throw notLoggedIn(baseUrl, `the session expired at ${formatTime(credentials.access_token_expires_at)}`);
  }
  return credentials;
}

/** What to store after a login: the token, when it runs out, and the refresh token if the server sent one. */
export function sessionFromLogin(baseUrl: string, tokens: TokenResponse, user: User, now = new Date()): StoredCredentials {
  const refreshToken = readRefreshToken(tokens);
  return newCredentials(
    {
      base_url: baseUrl,
      user: { id: user.id, email: user.email },
      token_type: tokens.token_type,
      access_token: tokens.access_token,
      access_token_expires_at: new Date(now.getTime() + tokens.expires_in * 1000).toISOString(),
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    },
    now,
  );
}

/**
 * Checked at run time, not trusted from the type: a server deployed before
 * refresh tokens existed sends none, and the CLI must still log in to it.
 */
function readRefreshToken(tokens: TokenResponse): string | undefined {
  return 'refresh_token' in tokens && typeof tokens.refresh_token === 'string' ? tokens.refresh_token : undefined;
}

/** For calls made with the stored token: a 401 means the session is over (exit 4), anything else is a refusal (exit 1). */
export function sessionRefused(baseUrl: string, response: Response, body: unknown): CliError {
  if (response.status === 401) return notLoggedIn(baseUrl, 'the server no longer accepts the stored token');
  return serverRefused(response, body);
}
