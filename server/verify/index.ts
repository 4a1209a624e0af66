import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Verifies this server's ES256/RS256 access tokens in another Node service, from the published JWKS alone: no
 * shared secret, no dependency but node:crypto and fetch. Import it as `authapi/verify`, or copy this one file.
 *
 * What it cannot know: a token stays valid here until its `exp`, even after a logout, a password change or a
 * deactivation on the auth server (README, "Verifying tokens in another service").
 */

export type VerifierAlgorithm = 'ES256' | 'RS256';

export interface VerifierOptions {
  /** e.g. `https://auth.example.com/.well-known/jwks.json` */
  jwksUri: string;
  /** The auth server's `JWT_ISSUER`; the `iss` claim must equal it. */
  issuer: string;
  /** The audience this service accepts (`JWT_AUDIENCE`); `aud` must be or contain it. */
  audience: string;
  /** Accepted algorithms; each key is still pinned to its own `alg`. Default both. */
  algorithms?: VerifierAlgorithm[];
  /** The header `typ` required (RFC 9068). Default `at+jwt`. */
  type?: string;
  /**
   * Authentication methods every token must list in `amr` (RFC 8176), e.g. `['otp']` to accept only sessions that
   * passed the second factor. Default none.
   */
  requireMethods?: string[];
  /** Allowed clock difference for `exp`, `nbf` and `iat`, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** An unknown `kid` refetches the JWKS at most once per this many ms (a flood of made-up kids costs one fetch). Default 30 000. */
  minRefetchIntervalMs?: number;
  /** How long the key set is kept when the response names no `max-age`, in ms. Default 300 000. */
  defaultCacheMs?: number;
  /** Epoch milliseconds; for tests. Default `Date.now`. */
  now?: () => number;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
}

export interface VerifiedAccessToken {
  /** The user id, as the `sub` claim's string. */
  subject: string;
  /** The auth server's session the token belongs to (`sid`). */
  sessionId: string | undefined;
  tokenId: string | undefined;
  /** How the session's login was proven (`amr`): `['pwd']` or `['pwd', 'otp']`; empty when the token has none. */
  methods: string[];
  /** Epoch seconds. */
  expiresAt: number;
  /** Every claim, as sent. */
  claims: Record<string, unknown>;
}

export type RejectionReason = 'malformed' | 'unknown_kid' | 'alg' | 'typ' | 'signature' | 'iss' | 'aud' | 'exp' | 'nbf' | 'iat' | 'amr' | 'jwks_unavailable';

/** Why a token was refused; `reason` is for logs, never for the client (answer a plain 401 invalid_token). */
export class TokenRejectedError extends Error {
  constructor(readonly reason: RejectionReason) {
    super(`access token rejected: ${reason}`);
    this.name = 'TokenRejectedError';
  }
}

interface PublishedKey {
  key: KeyObject;
  alg: VerifierAlgorithm;
}

export interface AccessTokenVerifier {
  /** The token's claims once every check passed; throws TokenRejectedError otherwise. */
  verify(token: string): Promise<VerifiedAccessToken>;
  /** The same from an `Authorization` header value (`Bearer <token>`). */
  verifyAuthorization(header: string | undefined): Promise<VerifiedAccessToken>;
}

export function createVerifier(options: VerifierOptions): AccessTokenVerifier {
  const algorithms = options.algorithms ?? ['ES256', 'RS256'];
  const type = options.type ?? 'at+jwt';
  const tolerance = options.clockToleranceSeconds ?? 30;
  const minRefetchMs = options.minRefetchIntervalMs ?? 30_000;
  const defaultCacheMs = options.defaultCacheMs ?? 300_000;
  const now = options.now ?? Date.now;
  const fetchJwks = options.fetch ?? fetch;

  let keys = new Map<string, PublishedKey>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let freshUntil = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  function refresh(): Promise<void> {
    loading ??= (async () => {
      try {
        fetchedAt = now();
        const response = await fetchJwks(options.jwksUri, { headers: { Accept: 'application/json' } });
        if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
        keys = parseJwks(await response.json(), algorithms);
        const maxAge = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1];
        freshUntil = fetchedAt + (maxAge === undefined ? defaultCacheMs : Number(maxAge) * 1000);
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  async function keyFor(kid: string): Promise<PublishedKey> {
    const stale = now() >= freshUntil;
    const unknownAndMayAsk = !keys.has(kid) && now() - fetchedAt >= minRefetchMs;
    if (stale || unknownAndMayAsk) {
      try {
        await refresh();
      } catch {
        // An unreachable auth server: keep verifying with the keys already known, if any.
        if (keys.size === 0) throw new TokenRejectedError('jwks_unavailable');
      }
    }
    const found = keys.get(kid);
    if (!found) throw new TokenRejectedError('unknown_kid');
    return found;
  }

  async function verify(token: string): Promise<VerifiedAccessToken> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRejectedError('malformed');
    const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
    const header = decodeJson(headerPart);
    const claims = decodeJson(payloadPart);
    // `crit` names extensions we would have to understand; `jku`, `jwk`, `x5u` are never followed: the only keys are the JWKS's.
    if (typeof header.kid !== 'string' || 'crit' in header) throw new TokenRejectedError('malformed');
    if (typeof header.alg !== 'string' || !algorithms.some((alg) => alg === header.alg)) throw new TokenRejectedError('alg');
    if (header.typ !== type) throw new TokenRejectedError('typ');
    const published = await keyFor(header.kid);
    // Each key verifies only with its own algorithm: no HS256-with-the-public-key, no RS256 on an EC key.
    if (header.alg !== published.alg) throw new TokenRejectedError('alg');
    const signature = Buffer.from(signaturePart, 'base64url');
    const input = Buffer.from(`${headerPart}.${payloadPart}`);
    const key = published.alg === 'ES256' ? { key: published.key, dsaEncoding: 'ieee-p1363' as const } : published.key;
    if (!verifySignature('sha256', input, key, signature)) throw new TokenRejectedError('signature');
    return checkClaims(claims);
  }

  function checkClaims(claims: Record<string, unknown>): VerifiedAccessToken {
    const nowSeconds = Math.floor(now() / 1000);
    if (claims.iss !== options.issuer) throw new TokenRejectedError('iss');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(options.audience)) throw new TokenRejectedError('aud');
    if (typeof claims.exp !== 'number' || nowSeconds >= claims.exp + tolerance) throw new TokenRejectedError('exp');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds + tolerance)) throw new TokenRejectedError('nbf');
    if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > nowSeconds + tolerance)) throw new TokenRejectedError('iat');
    if (typeof claims.sub !== 'string') throw new TokenRejectedError('malformed');
    const methods = Array.isArray(claims.amr) ? claims.amr.filter((method): method is string => typeof method === 'string') : [];
    if (!(options.requireMethods ?? []).every((method) => methods.includes(method))) throw new TokenRejectedError('amr');
    return {
      subject: claims.sub,
      sessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
      tokenId: typeof claims.jti === 'string' ? claims.jti : undefined,
      methods,
      expiresAt: claims.exp,
      claims,
    };
  }

  return {
    verify,
    verifyAuthorization(header) {
      const token = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '')?.[1];
      return token === undefined ? Promise.reject(new TokenRejectedError('malformed')) : verify(token);
    },
  };
}

/** The part of a Koa context the middleware uses, so this file needs no Koa types. */
export interface BearerContext {
  get(field: string): string;
  set(field: string, value: string): void;
  status: number;
  body: unknown;
  type: string;
  state: { accessToken?: VerifiedAccessToken };
}

/**
 * Koa middleware: a request without a valid token gets 401 problem+json with `WWW-Authenticate`; one with a valid
 * token goes on with `ctx.state.accessToken` set.
 */
export function koaBearer(verifier: AccessTokenVerifier) {
  return async function bearer(ctx: BearerContext, next: () => Promise<unknown>): Promise<void> {
    const header = ctx.get('Authorization');
    try {
      ctx.state.accessToken = await verifier.verifyAuthorization(header);
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      // The auth server's keys could not be had: not the client's fault, and no reason for it to drop its token.
      if (error.reason === 'jwks_unavailable') {
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.type = 'application/problem+json';
        ctx.body = { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The signing keys cannot be fetched now.', code: 'jwks_unavailable' };
        return;
      }
      ctx.status = 401;
      ctx.set('WWW-Authenticate', header === '' ? 'Bearer' : 'Bearer error="invalid_token"');
      ctx.type = 'application/problem+json';
      const code = header === '' ? 'missing_token' : 'invalid_token';
      ctx.body = { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'A valid bearer access token is required.', code };
      return;
    }
    await next();
  };
}

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...value };
  } catch {
    // falls through to the rejection
  }
  throw new TokenRejectedError('malformed');
}

/** Only the public members of EC P-256 and RSA keys, each pinned to the one algorithm it is published for. */
function parseJwks(document: unknown, algorithms: VerifierAlgorithm[]): Map<string, PublishedKey> {
  const list: unknown[] = typeof document === 'object' && document !== null && 'keys' in document && Array.isArray(document.keys) ? document.keys : [];
  const keys = new Map<string, PublishedKey>();
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk: Record<string, unknown> = { ...entry };
    const text = (name: string) => {
      const value = jwk[name];
      return typeof value === 'string' ? value : undefined;
    };
    const alg = jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : jwk.kty === 'RSA' ? 'RS256' : undefined;
    if (typeof jwk.kid !== 'string' || alg === undefined || (jwk.alg !== undefined && jwk.alg !== alg) || !algorithms.includes(alg)) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    try {
      const members: JsonWebKey = alg === 'ES256' ? { kty: 'EC', crv: 'P-256', x: text('x'), y: text('y') } : { kty: 'RSA', n: text('n'), e: text('e') };
      keys.set(jwk.kid, { key: createPublicKey({ key: members, format: 'jwk' }), alg });
    } catch {
      // A key this runtime cannot read is skipped, not fatal: the others still verify.
    }
  }
  return keys;
}
