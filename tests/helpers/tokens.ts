import { createHmac, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET } from './server.js';

/** What the server accepts: RFC 9068 access tokens, HS256, our issuer and audience, naming a live session. */
export const ACCESS_TOKEN_HEADER = { alg: 'HS256', typ: 'at+jwt' } as const;
export const ISSUER = 'authapi';
export const AUDIENCE = 'authapi';

export type Claims = Record<string, unknown>;

export function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export interface TokenSubject {
  userId: number;
  /** The session (`sid`) a real login started; the server checks it on every request. */
  sessionId: string;
}

/** The subject of a token the server issued: who it names and the session it belongs to. */
export function subjectOf(token: string): TokenSubject {
  const { sub, sid } = payloadOf(token);
  if (typeof sub !== 'string' || typeof sid !== 'string') throw new Error(`not one of our access tokens: ${token}`);
  return { userId: Number(sub), sessionId: sid };
}

/** The claims of a token the server would issue, valid for ten minutes; an `undefined` override drops a claim. */
export function accessClaims(subject: TokenSubject, overrides: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  const claims: Claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: String(subject.userId),
    sid: subject.sessionId,
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

/** Signs with jsonwebtoken exactly as given: no claims added, the header is ours. */
export function signToken(
  payload: Claims,
  options: { secret?: string; algorithm?: 'HS256' | 'HS384' | 'HS512'; header?: Record<string, unknown> } = {},
): string {
  const algorithm = options.algorithm ?? 'HS256';
  return jwt.sign(payload, options.secret ?? TEST_JWT_SECRET, {
    algorithm,
    noTimestamp: true,
    header: { ...ACCESS_TOKEN_HEADER, alg: algorithm, ...options.header },
  });
}

/**
 * Builds a JWS by hand, for what jsonwebtoken refuses to produce (`alg: none`,
 * an `alg` that does not match the key). `signWith` HMACs with SHA-256; omit it
 * for an empty signature.
 */
export function craftToken(header: Record<string, unknown>, payload: Claims, signWith?: string): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = signWith === undefined ? '' : createHmac('sha256', signWith).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** The decoded payload of a JWT, without verifying it. */
export function payloadOf(token: string): Claims {
  const decoded: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  if (typeof decoded !== 'object' || decoded === null) throw new Error(`no JSON object in ${token}`);
  return Object.fromEntries(Object.entries(decoded));
}
