import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { JwtAlgorithm } from '../config.js';

/** RFC 9068: marks the token as an access token so no other JWT of ours passes for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** About 400 bytes each: a few MB at most. */
const VERIFIED_TOKENS_KEPT = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface AccessTokenClaims {
  userId: number;
  /** The session (refresh-token family) the token was issued from; checked on every request. */
  sessionId: string;
  tokenId: string;
  expiresAt: number;
}

export interface AccessTokenSettings {
  secret: string;
  algorithm: JwtAlgorithm;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export class AccessTokens {
  // A KeyObject, not the string: given a string, jsonwebtoken first tries to
  // parse it as a PEM public key on every call, which cost 30 % of a /me request.
  private readonly key: KeyObject;

  /**
   * Tokens this process has already verified, by their exact text (signature included), so a client's next
   * requests with the same token skip the signature check: it was 14 % of a `GET /me`'s CPU. Only a token that
   * passed every check gets in, and its `exp` is still checked on each use; what the token stands for (the
   * session, the role) is read from the database on every request regardless. Bounded, least recently used out.
   */
  private readonly verified = new LRUCache<string, AccessTokenClaims>({ max: VERIFIED_TOKENS_KEPT });

  constructor(private readonly settings: AccessTokenSettings) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  issue(userId: number, sessionId: string): string {
    const { algorithm, issuer, audience, ttlSeconds } = this.settings;
    return jwt.sign({ sid: sessionId }, this.key, {
      algorithm,
      expiresIn: ttlSeconds,
      issuer,
      audience,
      subject: String(userId),
      jwtid: randomUUID(),
      header: { alg: algorithm, typ: ACCESS_TOKEN_TYPE },
    });
  }

  /** The token's claims, or undefined for any token we did not issue or that has run out. */
  verify(token: string): AccessTokenClaims | undefined {
    const known = this.verified.get(token);
    if (known) return isUnexpired(known) ? known : undefined;
    const claims = this.verifyWithLibrary(token);
    if (claims) this.verified.set(token, claims);
    return claims;
  }

  private verifyWithLibrary(token: string): AccessTokenClaims | undefined {
    const { algorithm, issuer, audience } = this.settings;
    let decoded: jwt.Jwt;
    try {
      // Pinning `algorithms` refuses `none` and every algorithm but ours.
      decoded = jwt.verify(token, this.key, { algorithms: [algorithm], issuer, audience, complete: true });
    } catch {
      return undefined;
    }
    const { header, payload } = decoded;
    if (header.typ !== ACCESS_TOKEN_TYPE || typeof payload !== 'object') return undefined;
    // jsonwebtoken accepts a token without `exp` as never expiring; we do not.
    if (typeof payload.exp !== 'number' || typeof payload.jti !== 'string' || typeof payload.sub !== 'string') return undefined;
    if (!/^[1-9]\d{0,15}$/.test(payload.sub) || typeof payload.sid !== 'string' || !UUID.test(payload.sid)) return undefined;
    return { userId: Number(payload.sub), sessionId: payload.sid, tokenId: payload.jti, expiresAt: payload.exp };
  }
}

/** jsonwebtoken's own rule: a token is expired from the second its `exp` names. */
function isUnexpired(claims: AccessTokenClaims): boolean {
  return Math.floor(Date.now() / 1000) < claims.expiresAt;
}
