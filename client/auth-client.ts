import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../generated/openapi.js';

type TokenResponse = components['schemas']['TokenResponse'];
type Problem = components['schemas']['Problem'];
type ProblemCode = components['schemas']['ProblemCode'];

/** What a Node client keeps between runs (a browser in cookie mode keeps nothing: the refresh token is a cookie). */
export interface StoredTokens {
  accessToken: string;
  /** Absent in cookie mode. */
  refreshToken?: string;
  /** Epoch milliseconds. */
  accessTokenExpiresAt: number;
}

/**
 * Where a Node client keeps its tokens (a file, a keychain); called on every change, so it stays current. `load` is
 * called again before every refresh, since another process sharing the storage (a second `authcli`) may have
 * renewed the pair meanwhile; the one in hand is then spent.
 */
export interface TokenStorage {
  load(): StoredTokens | undefined | Promise<StoredTokens | undefined>;
  save(tokens: StoredTokens): void | Promise<void>;
  clear(): void | Promise<void>;
}

export interface AuthClientOptions {
  /** e.g. `https://auth.example.com` */
  baseUrl: string;
  /**
   * `cookie` for browsers: the refresh token lives in an HttpOnly cookie the page cannot read (the server's cookie
   * mode); `body` for Node: the refresh token comes in the JSON body and is kept by `storage`.
   */
  mode: 'cookie' | 'body';
  /** Body mode: where tokens persist between runs. Without it they live only in memory. */
  storage?: TokenStorage;
  /** Another transport (the CLI's, a test's); the global fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers for every request, e.g. a User-Agent in Node. */
  headers?: Record<string, string>;
  /** Renew this long before the access token runs out (default 30 s), so a request never leaves on a dying token. */
  refreshAheadMs?: number;
  /** The time, for tests; `Date.now` by default. */
  now?: () => number;
  /** Called once when the session can no longer be refreshed (logged out elsewhere, reuse detected, expired). */
  onSessionEnded?: (error: SessionEndedError) => void;
}

/** The session is over: the refresh token was refused. The caller should send the user to log in again. */
export class SessionEndedError extends Error {
  constructor(
    /** The server's reason (`invalid_refresh_token`, `refresh_token_reused`, …), or `not_authenticated` when there was nothing to refresh. */
    readonly code: ProblemCode,
    message: string,
  ) {
    super(message);
    this.name = 'SessionEndedError';
  }
}

/**
 * A refresh that failed for a passing reason: no answer (network down, a timeout), a 5xx, a 429, a proxy's error
 * page. The session is kept, tokens and all; the call that needed the refresh throws this, and a later call tries
 * again. Only the server refusing the refresh token itself (401) ends a session (SessionEndedError).
 */
export class RefreshFailedError extends Error {
  constructor(
    message: string,
    /** The server's (or a proxy's) answer; undefined when none came (the cause says why). */
    readonly response?: Response,
    /** Its problem document when it was one, else its body as read. */
    readonly body?: unknown,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'RefreshFailedError';
  }
}

export interface AuthClient {
  /** The contract's typed client (openapi-fetch): it sends the access token and renews it when needed. */
  readonly api: Client<paths>;
  /** Logs in and keeps the session. Resolves to the server's answer, as openapi-fetch gives it. */
  login(email: string, password: string): ReturnType<Client<paths>['POST']>;
  /** Gets an access token from the stored refresh token (Node) or the cookie (browser); false when there is no session. */
  resume(): Promise<boolean>;
  /**
   * Renews the access token now; concurrent callers share one refresh. Throws SessionEndedError when the refresh token
   * is refused, RefreshFailedError when the refresh could not be done (the session is kept).
   */
  refresh(): Promise<void>;
  /** A live access token (renewed first when it is about to run out), for a caller that sends it itself; undefined without a session. */
  accessToken(): Promise<string | undefined>;
  /** Keeps a pair the server issued for this session outside login and refresh: a password change answers with one. */
  adopt(tokens: TokenResponse): Promise<void>;
  /** Ends this session (or `all` of them) on the server and forgets the tokens. */
  logout(scope?: 'current' | 'others' | 'all'): Promise<void>;
  /** Whether an access token is held. */
  readonly loggedIn: boolean;
}

const COOKIE_MODE = { 'X-Token-Transport': 'cookie' } as const;

/**
 * The generated client plus a small session layer: the access token is held in memory and attached to every
 * request; when it is about to run out, or the server refuses it as `invalid_token`, the client refreshes once —
 * however many calls are waiting (single flight) — and sends each waiting call again, once.
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const { baseUrl, mode, storage } = options;
  const transport = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const now = options.now ?? Date.now;
  const refreshAheadMs = options.refreshAheadMs ?? 30_000;
  let tokens: StoredTokens | undefined;
  let loaded = storage === undefined;
  let inFlight: Promise<void> | undefined;
  /** Cookie mode only: whether this page ever had a session, so a call without one does not try the cookie. */
  let everLoggedIn = false;

  // The bare client: login and refresh go through it, without the session layer around them.
  const bare = createClient<paths>({ baseUrl, fetch: transport, headers: options.headers, credentials: mode === 'cookie' ? 'include' : undefined });

  async function current(): Promise<StoredTokens | undefined> {
    if (!loaded && storage) {
      tokens = (await storage.load()) ?? undefined;
      loaded = true;
    }
    return tokens;
  }

  async function keep(response: TokenResponse): Promise<void> {
    tokens = {
      accessToken: response.access_token,
      refreshToken: mode === 'body' ? response.refresh_token : undefined,
      accessTokenExpiresAt: now() + response.expires_in * 1000,
    };
    loaded = true;
    await storage?.save(tokens);
  }

  async function forget(): Promise<void> {
    tokens = undefined;
    loaded = true;
    await storage?.clear();
  }

  /** What the storage holds now: another process sharing it may have refreshed (or logged out) since it was read. */
  async function reread(): Promise<StoredTokens | undefined> {
    if (!storage) return tokens;
    tokens = (await storage.load()) ?? undefined;
    loaded = true;
    return tokens;
  }

  function fresh(held: StoredTokens): boolean {
    return held.accessTokenExpiresAt - now() > refreshAheadMs;
  }

  async function refreshNow(): Promise<void> {
    if (mode === 'cookie') return spend(undefined);
    const held = await current();
    const latest = await reread();
    if (latest === undefined) throw await ended('not_authenticated', held ? 'The stored session was removed (logged out elsewhere); log in.' : 'There is no session to refresh; log in.');
    // Renewed by another process meanwhile: its pair is the live one, and spending ours again would be a reuse.
    if (latest.accessToken !== held?.accessToken && fresh(latest)) return;
    if (latest.refreshToken === undefined) throw await ended('not_authenticated', 'There is no refresh token to renew the session with; log in.');
    return spend(latest.refreshToken);
  }

  /** Spends the refresh token (body mode) or the cookie; only a 401 ends the session, anything else may pass. */
  async function spend(refreshToken: string | undefined): Promise<void> {
    const { data, error, response } = await bare
      .POST('/api/v1/users/refresh', refreshToken === undefined ? { headers: COOKIE_MODE } : { body: { refresh_token: refreshToken } })
      .catch((cause: unknown) => {
        throw new RefreshFailedError('The refresh got no answer; the session is kept.', undefined, undefined, { cause });
      });
    if (data) return keep(data);
    // Typed as the contract's problem, but a proxy's error page is a string at run time.
    const problem = typeof error === 'object' && error !== null ? error : undefined;
    if (response.status === 401) throw await ended(problem?.code ?? 'invalid_refresh_token', problem?.detail ?? 'The refresh token was refused.', refreshToken);
    throw new RefreshFailedError(`The refresh failed (${response.status}); the session is kept.`, response, error);
  }

  async function ended(code: ProblemCode, detail: string, refused?: string): Promise<SessionEndedError> {
    tokens = undefined;
    loaded = true;
    if (storage) {
      // Unless another process has stored a session of its own meanwhile (a new login): that one is not ours to end.
      let stored: StoredTokens | undefined;
      try {
        stored = (await storage.load()) ?? undefined;
      } catch {
        // Unreadable: nobody can use it, so clearing loses nothing.
      }
      if (stored === undefined || stored.refreshToken === refused) await storage.clear();
    }
    const error = new SessionEndedError(code, detail);
    options.onSessionEnded?.(error);
    return error;
  }

  /** One refresh for every caller that needs one now. */
  function refresh(): Promise<void> {
    inFlight ??= refreshNow().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  /** An access token worth sending, renewed first when it is about to run out; undefined when there is no session. */
  async function accessToken(): Promise<string | undefined> {
    const held = await current();
    if (held && fresh(held)) return held.accessToken;
    // Nothing to renew it with (a server from before refresh tokens): it serves while it lives.
    if (held && mode === 'body' && held.refreshToken === undefined && held.accessTokenExpiresAt > now()) return held.accessToken;
    if (!held && mode === 'body') return undefined;
    if (!held && mode === 'cookie' && !everLoggedIn) return undefined;
    try {
      await refresh();
    } catch (error) {
      if (error instanceof SessionEndedError) return undefined;
      // Renewing early failed, but the token has not run out yet: send it, and renew next time.
      if (error instanceof RefreshFailedError && held !== undefined && held.accessTokenExpiresAt > now()) return held.accessToken;
      throw error;
    }
    return tokens?.accessToken;
  }

  async function send(request: Request): Promise<Response> {
    const retry = request.clone();
    const token = await accessToken();
    if (token === undefined) return transport(request);
    request.headers.set('Authorization', `Bearer ${token}`);
    const response = await transport(request);
    if (!refusesToken(response)) return response;
    // Refused although fresh by our clock: ended elsewhere, or the clocks differ. One refresh, one retry.
    try {
      if (tokens?.accessToken === token) await refresh();
    } catch (error) {
      if (error instanceof SessionEndedError) return response;
      throw error;
    }
    if (tokens === undefined) return response;
    retry.headers.set('Authorization', `Bearer ${tokens.accessToken}`);
    return transport(retry);
  }

  const api = createClient<paths>({ baseUrl, fetch: send, headers: options.headers, credentials: mode === 'cookie' ? 'include' : undefined });

  return {
    api,
    async login(email, password) {
      const result = await bare.POST('/api/v1/users/login', { body: { email, password }, headers: mode === 'cookie' ? COOKIE_MODE : {} });
      if (result.data) {
        everLoggedIn = true;
        await keep(result.data);
      }
      return result;
    },
    async resume() {
      if ((await current()) !== undefined) return true;
      if (mode === 'body') return false;
      try {
        await refresh();
        everLoggedIn = true;
        return true;
      } catch (error) {
        if (error instanceof SessionEndedError) return false;
        throw error;
      }
    },
    refresh,
    accessToken,
    async adopt(response) {
      everLoggedIn = true;
      await keep(response);
    },
    async logout(scope = 'current') {
      const held = await current();
      if (held) await api.POST('/api/v1/users/logout', { params: { query: { scope } }, headers: mode === 'cookie' ? COOKIE_MODE : {} });
      if (scope !== 'others') await forget();
    },
    get loggedIn() {
      return tokens !== undefined;
    },
  };
}

/** RFC 6750 §3.1: a token that was sent but is expired, revoked or malformed; a missing token or a 403 is no reason to renew. */
function refusesToken(response: Response): boolean {
  return response.status === 401 && /\berror="invalid_token"/.test(response.headers.get('WWW-Authenticate') ?? '');
}

export type { Problem, ProblemCode };
