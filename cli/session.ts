import type { components } from '../generated/openapi.js';
import { createApiClient, type ApiClient } from './client.js';
import { deleteCredentials, loadCredentials, newCredentials, saveCredentials, type StoredCredentials } from './credentials.js';
import type { CommandContext, GivenToken } from './command-context.js';
import { CliError, ExitCode, notLoggedIn } from './exit-codes.js';
import { formatTime } from './output.js';
import { serverRefused } from './server-refusal.js';

type TokenResponse = components['schemas']['TokenResponse'];

/**
 * A token with less life left than this is treated as expired: a request
 * started with it could arrive after it ran out and fail with a confusing 401.
 */
const EXPIRY_MARGIN_MS = 5_000;
/** With a refresh token at hand, renew this early, so a slow command never finishes on a dead token. */
const REFRESH_AHEAD_MS = 30_000;

/** The session a command acts with, and a client that sends its token. */
export type Session = StoredSession | GivenTokenSession;

/** The login `authcli login` stored for this server. */
export interface StoredSession {
  readonly source: 'stored';
  readonly baseUrl: string;
  /** As stored now: a refresh during this run replaces them. */
  readonly credentials: StoredCredentials;
  /** Sends the access token; on a 401 `invalid_token` it refreshes once and sends the request again. */
  readonly client: ApiClient;
  /** Stores a pair the server issued for this session outside a refresh (a password change). */
  storeTokens(tokens: TokenResponse): void;
}

/** A token from --token or AUTHCLI_TOKEN: sent as it is, never refreshed, never stored. */
export interface GivenTokenSession {
  readonly source: GivenToken['from'];
  readonly baseUrl: string;
  readonly accessToken: string;
  readonly client: ApiClient;
}

/**
 * The token a command sends: --token, else AUTHCLI_TOKEN, else the stored
 * session for this server, refreshed first when its access token has
 * (nearly) run out and a refresh token is stored. Exit 4 when there is none,
 * or when the server no longer refreshes it (the file is then deleted).
 */
export async function requireSession({ baseUrl, token }: CommandContext, now = Date.now()): Promise<Session> {
  if (token) return { source: token.from, baseUrl, accessToken: token.value, client: createApiClient(baseUrl, { accessToken: token.value }) };
  let credentials = loadCredentials(baseUrl);
  if (!credentials) throw notLoggedIn(baseUrl);
  if (credentials.refresh_token !== undefined && expiresWithin(credentials, REFRESH_AHEAD_MS, now)) {
    credentials = await refreshSession(baseUrl, credentials);
  } else if (expiresWithin(credentials, EXPIRY_MARGIN_MS, now)) {
    throw notLoggedIn(baseUrl, `the session expired at ${formatTime(credentials.access_token_expires_at)}`);
  }
  return openSession(baseUrl, credentials);
}

function openSession(baseUrl: string, initial: StoredCredentials): StoredSession {
  let credentials = initial;
  const client = createApiClient(baseUrl, {
    accessToken: () => credentials.access_token,
    async renewAccessToken() {
      if (credentials.refresh_token === undefined) return false;
      credentials = await refreshSession(baseUrl, credentials);
      return true;
    },
  });
  return {
    source: 'stored',
    baseUrl,
    get credentials() {
      return credentials;
    },
    client,
    storeTokens(tokens) {
      credentials = credentialsFromTokens(baseUrl, tokens, credentials.user);
      saveCredentials(credentials);
    },
  };
}

/**
 * Spends the stored refresh token for a new pair and stores it (atomically,
 * see saveCredentials). The file is read again first: another authcli may
 * have refreshed since this one read it, and then the token in hand is spent
 * while the file holds its successor. Two that refresh at the same moment
 * both get the same successor (the server's grace window), so either write wins.
 */
async function refreshSession(baseUrl: string, stale: StoredCredentials): Promise<StoredCredentials> {
  const latest = loadCredentials(baseUrl);
  if (!latest) throw notLoggedIn(baseUrl, 'the stored credentials were deleted meanwhile');
  if (latest.access_token !== stale.access_token && !expiresWithin(latest, REFRESH_AHEAD_MS)) return latest;
  const refreshToken = latest.refresh_token;
  if (refreshToken === undefined) throw notLoggedIn(baseUrl, 'the session expired and there is no refresh token to renew it');

  const { data, error, response } = await createApiClient(baseUrl).POST('/api/v1/users/refresh', { body: { refresh_token: refreshToken } });
  if (data) {
    const renewed = credentialsFromTokens(baseUrl, data, latest.user);
    saveCredentials(renewed);
    return renewed;
  }
  if (response.status !== 401) throw serverRefused(response, error);
  forgetIfUnchanged(baseUrl, refreshToken);
  throw notLoggedIn(baseUrl, error?.code === 'refresh_token_reused' ? REUSED : ENDED);
}

const ENDED = 'the session has ended (it expired, was logged out or revoked); the stored credentials were deleted';
const REUSED = 'the server ended the session because its refresh token was used twice (a copy may have leaked); the stored credentials were deleted';

/** Unless a `login` in another terminal has meanwhile stored a new session: that one is not ours to delete. */
function forgetIfUnchanged(baseUrl: string, refreshToken: string): void {
  let current: StoredCredentials | undefined;
  try {
    current = loadCredentials(baseUrl);
  } catch {
    // Unreadable now: nobody can use it; deleting is what `login` would do.
  }
  if (current === undefined || current.refresh_token === refreshToken) deleteCredentials(baseUrl);
}

function expiresWithin(credentials: StoredCredentials, marginMs: number, now = Date.now()): boolean {
  return Date.parse(credentials.access_token_expires_at) - marginMs <= now;
}

/** What to store after a login, refresh or password change: the token, when it runs out, and the refresh token if the server sent one. */
export function credentialsFromTokens(baseUrl: string, tokens: TokenResponse, user: StoredCredentials['user'], now = new Date()): StoredCredentials {
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

/**
 * For calls made with the session's client: a 401 that survived the refresh
 * means the session is over (exit 4), anything else is a refusal (exit 1).
 * A given token was not ours to renew: the message names where it came from.
 */
export function sessionRefused({ baseUrl, token }: CommandContext, response: Response, body: unknown): CliError {
  if (response.status !== 401) return serverRefused(response, body);
  if (token) return new CliError(ExitCode.NotLoggedIn, `the server does not accept the access token from ${token.from}`, ['It may have expired or its session may have ended; get a new one.']);
  return notLoggedIn(baseUrl, 'the server no longer accepts the stored token');
}
