import { createAuthClient, RefreshFailedError, type SessionEndedError, type StoredTokens, type TokenStorage } from '../client/index.js';
import type { components } from '../generated/openapi.js';
import { CLI_HEADERS, cliTransport, createApiClient, type ApiClient } from './client.js';
import { deleteCredentials, loadCredentials, newCredentials, saveCredentials, type StoredCredentials } from './credentials.js';
import type { CommandContext, GivenToken } from './command-context.js';
import { CliError, ExitCode, notLoggedIn } from './exit-codes.js';
import { formatTime } from './output.js';
import { serverRefused } from './server-refusal.js';

type TokenResponse = components['schemas']['TokenResponse'];

/**
 * Without a refresh token, a token with less life left than this is treated
 * as expired: a request started with it could arrive after it ran out and
 * fail with a confusing 401.
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
  /**
   * The shared client's (authapi/client): it sends the access token, renews it when it (nearly) runs out or the
   * server refuses it as `invalid_token`, and then sends the request again, once.
   */
  readonly client: ApiClient;
  /** Stores a pair the server issued for this session outside a refresh (a password change). */
  storeTokens(tokens: TokenResponse): Promise<void>;
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
export async function requireSession({ baseUrl, token }: CommandContext): Promise<Session> {
  if (token) return { source: token.from, baseUrl, accessToken: token.value, client: createApiClient(baseUrl, { accessToken: token.value }) };
  const credentials = loadCredentials(baseUrl);
  if (!credentials) throw notLoggedIn(baseUrl);
  if (credentials.refresh_token === undefined && Date.parse(credentials.access_token_expires_at) - EXPIRY_MARGIN_MS <= Date.now()) {
    throw notLoggedIn(baseUrl, `the session expired at ${formatTime(credentials.access_token_expires_at)}`);
  }
  const { session, renewIfDue } = openSession(baseUrl, credentials);
  // Now rather than at the first request: `authcli token` prints a token that lives.
  await renewIfDue();
  return session;
}

/**
 * The stored login on the shared client (authapi/client), the file as its
 * token storage. The client reports an ended session by handing the call its
 * 401 and a refresh that could not be done by throwing RefreshFailedError;
 * middleware turns both into the CLI's errors, so commands see exit 4 (the
 * session is over) or exit 1/3 (the server refused or was not reached, and
 * the login is kept).
 */
function openSession(baseUrl: string, initial: StoredCredentials): { session: StoredSession; renewIfDue(): Promise<void> } {
  const file = credentialsFile(baseUrl, initial);
  let ended: SessionEndedError | undefined;
  const auth = createAuthClient({
    baseUrl,
    mode: 'body',
    storage: file,
    fetch: cliTransport(baseUrl),
    headers: CLI_HEADERS,
    refreshAheadMs: REFRESH_AHEAD_MS,
    onSessionEnded(error) {
      ended = error;
    },
  });
  const over = () => notLoggedIn(baseUrl, endedReason(ended, file.removed));
  auth.api.use({
    onResponse() {
      if (ended) throw over();
    },
    onError({ error }) {
      if (error instanceof RefreshFailedError) return refreshFailed(error);
    },
  });
  return {
    session: {
      source: 'stored',
      baseUrl,
      get credentials() {
        return file.credentials;
      },
      client: auth.api,
      storeTokens: (tokens) => auth.adopt(tokens),
    },
    async renewIfDue() {
      const token = await auth.accessToken().catch((error: unknown) => {
        throw error instanceof RefreshFailedError ? refreshFailed(error) : error;
      });
      if (token === undefined || ended) throw over();
    },
  };
}

/**
 * The credentials file as the client's token storage. The client reads it
 * again before every refresh: another authcli may have refreshed since this
 * one read it, and then the token in hand is spent while the file holds its
 * successor, which the client takes instead of refreshing. Two that refresh
 * at the same moment both get the same successor (the server's grace window),
 * so either write (atomic, see saveCredentials) wins.
 */
function credentialsFile(baseUrl: string, initial: StoredCredentials): TokenStorage & { readonly credentials: StoredCredentials; readonly removed: boolean } {
  let credentials = initial;
  let read = false;
  let removed = false;
  return {
    get credentials() {
      return credentials;
    },
    /** Deleted by another authcli (a logout) while this one ran. */
    get removed() {
      return removed;
    },
    load(): StoredTokens | undefined {
      // The first read is the one requireSession has just made.
      if (read) {
        const latest = loadCredentials(baseUrl);
        if (latest === undefined) {
          removed = true;
          return undefined;
        }
        credentials = latest;
      }
      read = true;
      const { access_token: accessToken, refresh_token: refreshToken, access_token_expires_at: expiresAt } = credentials;
      return { accessToken, refreshToken, accessTokenExpiresAt: Date.parse(expiresAt) };
    },
    save({ accessToken, refreshToken, accessTokenExpiresAt }) {
      credentials = newCredentials({
        base_url: baseUrl,
        user: credentials.user,
        token_type: credentials.token_type,
        access_token: accessToken,
        access_token_expires_at: new Date(accessTokenExpiresAt).toISOString(),
        ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      });
      saveCredentials(credentials);
    },
    clear() {
      deleteCredentials(baseUrl);
    },
  };
}

const ENDED = 'the session has ended (it expired, was logged out or revoked); the stored credentials were deleted';
const REUSED = 'the server ended the session because its refresh token was used twice (a copy may have leaked); the stored credentials were deleted';
const UNRENEWABLE = 'the server no longer accepts the stored token, and there is no refresh token to renew it; the stored credentials were deleted';

/** The client's typed reason, in the words the user reads. */
function endedReason(error: SessionEndedError | undefined, removed: boolean): string {
  if (removed) return 'the stored credentials were deleted meanwhile';
  if (error?.code === 'refresh_token_reused') return REUSED;
  if (error?.code === 'not_authenticated') return UNRENEWABLE;
  return ENDED;
}

/** The session is kept: exit 3 when the server was not reached, else exit 1 with its reason. */
function refreshFailed(error: RefreshFailedError): CliError {
  if (error.cause instanceof CliError) return error.cause;
  const refused = error.response ? serverRefused(error.response, error.body) : new CliError(ExitCode.GeneralError, error.message);
  return new CliError(refused.exitCode, `the session could not be renewed: ${refused.message}`, [...refused.details, 'The stored login is kept; try again.'], { cause: error });
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
