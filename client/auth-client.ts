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

/** Where a Node client keeps its tokens (a file, a keychain); called on every change, so it stays current. */
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

export interface AuthClient {
  /** The contract's typed client (openapi-fetch): it sends the access token and renews it when needed. */
  readonly api: Client<paths>;
  /** Logs in and keeps the session. Resolves to the server's answer, as openapi-fetch gives it. */
  login(email: string, password: string): ReturnType<Client<paths>['POST']>;
  /** Gets an access token from the stored refresh token (Node) or the cookie (browser); false when there is no session. */
  resume(): Promise<boolean>;
  /** Renews the access token now; concurrent callers share one refresh. Throws SessionEndedError when refused. */
  refresh(): Promise<void>;
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

  async function refreshNow(): Promise<void> {
    const held = await current();
    if (mode === 'body' && held?.refreshToken === undefined) throw await ended('not_authenticated', 'There is no session to refresh; log in.');
    const { data, error } = await bare.POST('/api/v1/users/refresh', mode === 'cookie' ? { headers: COOKIE_MODE } : { body: { refresh_token: held?.refreshToken ?? '' } });
    if (data) return keep(data);
    throw await ended(error.code, error.detail);
  }

  async function ended(code: ProblemCode, detail: string): Promise<SessionEndedError> {
    await forget();
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
    if (held && held.accessTokenExpiresAt - now() > refreshAheadMs) return held.accessToken;
    if (!held && mode === 'body') return undefined;
    if (!held && mode === 'cookie' && !everLoggedIn) return undefined;
    try {
      await refresh();
    } catch (error) {
      if (error instanceof SessionEndedError) return undefined;
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
