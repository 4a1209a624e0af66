import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtAlgorithm } from '../config.js';

/** RFC 9068: marks the token as an access token so no other JWT of ours passes for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

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
