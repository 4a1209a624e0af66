import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../clock.js';
import type { JwtAlgorithm } from '../config.js';
import { signingKeyOf, type SigningKey } from './signing-keys.js';

/** RFC 9068: marks the token as an access token so no other JWT of ours passes for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** About 400 bytes each: a few MB at most. */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * How far ahead of our clock a token's `iat` may be (another instance's clock may run a little fast). Further ahead
 * is a token minted with a wrong clock, or forged to outlive its key: refused (issue 10, finding 12).
 */
export const CLOCK_LEEWAY_SECONDS = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface AccessTokenClaims {
  userId: number;
  /** The session (refresh-token family) the token was issued from; checked on every request. */
  sessionId: string;
  tokenId: string;
  expiresAt: number;
}

export interface AccessTokenSettings {
  /** The HMAC key of HS256/384/512. */
  secret: string;
  algorithm: JwtAlgorithm;
  /** ES256/RS256: every key verifies the tokens whose `kid` names it; the newest active one signs. */
  signingKeys?: readonly SigningKey[];
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** One key and the one algorithm it may be used with: a token is checked against exactly this pair. */
interface PinnedKey {
  key: KeyObject;
  algorithm: JwtAlgorithm;
  /** Only asymmetric keys have one: an HMAC secret's thumbprint would publish a hash of the secret in every token. */
  kid?: string;
}

export class AccessTokens {
  // KeyObjects, not strings: given a string, jsonwebtoken first tries to
  // parse it as a PEM public key on every call, which cost 30 % of a /me request.
  private readonly signer: PinnedKey;
  /** By `kid`, for ES256/RS256; undefined for HMAC, whose one secret verifies every token (as before keys existed). */
  private readonly verifiers: Map<string, PinnedKey> | undefined;

  /**
   * Tokens this process has already verified, by their exact text (signature included), so a client's next
   * requests with the same token skip the signature check: it was 14 % of a `GET /me`'s CPU. Only a token that
   * passed every check gets in, and its `exp` is still checked on each use; what the token stands for (the
   * session, the role) is read from the database on every request regardless. Bounded, least recently used out.
   */
  private readonly verified = new LRUCache<string, AccessTokenClaims>({ max: VERIFIED_TOKENS_KEPT });

  constructor(
    private readonly settings: AccessTokenSettings,
    private readonly clock: Clock = systemClock,
  ) {
    if (!settings.signingKeys?.length) {
      this.signer = { key: createSecretKey(Buffer.from(settings.secret, 'utf8')), algorithm: settings.algorithm };
      this.verifiers = undefined;
      return;
    }
    const signing = signingKeyOf(settings.signingKeys);
    if (!signing) throw new Error('no active signing key (config.ts refuses such a key set)');
    this.signer = { key: signing.privateKey, algorithm: signing.algorithm, kid: signing.kid };
    this.verifiers = new Map(settings.signingKeys.map((one) => [one.kid, { key: one.publicKey, algorithm: one.algorithm, kid: one.kid }]));
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  /** `amr` (RFC 8176): how the session's login was proven, `["pwd"]` or `["pwd","otp"]`, for resource servers to require. */
  issue(userId: number, sessionId: string, amr: readonly string[] = ['pwd']): string {
    const { issuer, audience, ttlSeconds } = this.settings;
    const { key, algorithm, kid } = this.signer;
    // `iat` from our clock; jsonwebtoken derives `exp` from it.
    return jwt.sign({ sid: sessionId, amr, iat: this.nowSeconds() }, key, {
      algorithm,
      expiresIn: ttlSeconds,
      issuer,
      audience,
      subject: String(userId),
      jwtid: randomUUID(),
      header: kid === undefined ? { alg: algorithm, typ: ACCESS_TOKEN_TYPE } : { alg: algorithm, typ: ACCESS_TOKEN_TYPE, kid },
    });
  }

  /** The token's claims, or undefined for any token we did not issue or that has run out. */
  verify(token: string): AccessTokenClaims | undefined {
    const known = this.verified.get(token);
    if (known) return this.nowSeconds() < known.expiresAt ? known : undefined;
    const claims = this.verifyWithLibrary(token);
    if (claims) this.verified.set(token, claims);
    return claims;
  }

  private verifyWithLibrary(token: string): AccessTokenClaims | undefined {
    const { issuer, audience } = this.settings;
    const pinned = this.keyFor(token);
    if (!pinned) return undefined;
    const now = this.nowSeconds();
    let decoded: jwt.Jwt;
    try {
      // Pinning `algorithms` to the key's own refuses `none`, every other algorithm, and an HS256 token signed
      // with a public key as its secret (jsonwebtoken also refuses a public key for HS*).
      decoded = jwt.verify(token, pinned.key, { algorithms: [pinned.algorithm], issuer, audience, complete: true, clockTimestamp: now });
    } catch {
      return undefined;
    }
    const { header, payload } = decoded;
    if (header.typ !== ACCESS_TOKEN_TYPE || header.kid !== pinned.kid || typeof payload !== 'object') return undefined;
    // jsonwebtoken accepts a token without `exp` as never expiring; we do not.
    if (typeof payload.exp !== 'number' || typeof payload.jti !== 'string' || typeof payload.sub !== 'string') return undefined;
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_LEEWAY_SECONDS)) return undefined;
    if (!/^[1-9]\d{0,15}$/.test(payload.sub) || typeof payload.sid !== 'string' || !UUID.test(payload.sid)) return undefined;
    return { userId: Number(payload.sub), sessionId: payload.sid, tokenId: payload.jti, expiresAt: payload.exp };
  }

  /** The key the token's header names: ours for HMAC; for ES256/RS256 the configured key its `kid` names, if any. */
  private keyFor(token: string): PinnedKey | undefined {
    if (!this.verifiers) return this.signer;
    const kid = kidOf(token);
    return kid === undefined ? undefined : this.verifiers.get(kid);
  }

  /** jsonwebtoken's own rule, on our clock: a token is expired from the second its `exp` names. */
  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

function kidOf(token: string): string | undefined {
  const header = token.slice(0, token.indexOf('.'));
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && 'kid' in parsed && typeof parsed.kid === 'string' ? parsed.kid : undefined;
  } catch {
    return undefined;
  }
}

