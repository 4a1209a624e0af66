import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { thumbprint } from '../server/auth/signing-keys.js';
import { createVerifier, TokenRejectedError, type VerifierOptions } from '../server/verify/index.js';

/**
 * authapi/verify against a real HTTP JWKS endpoint that counts its requests, with a clock the test moves:
 * caching for max-age, a rate-limited refetch on an unknown kid, and the claim checks.
 */
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'authapi';
type Pair = { privateKey: KeyObject; publicKey: KeyObject };
const ec = (): Pair => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

let published: Pair[] = [];
let fetches = 0;
let available = true;
let jwks: Server;
let jwksUri: string;
let now = Date.now();

beforeAll(async () => {
  jwks = createServer((_req, res) => {
    fetches += 1;
    if (!available) {
      res.statusCode = 503;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'public, max-age=300');
    const keys = published.map((pair) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid: thumbprint(pair.publicKey), alg: 'ES256', use: 'sig' }));
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const address = jwks.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  jwksUri = `http://127.0.0.1:${address.port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((resolve) => jwks?.close(resolve));
});
beforeEach(() => {
  fetches = 0;
  available = true;
  now = Date.now();
});

function verifier(options: Partial<VerifierOptions> = {}) {
  return createVerifier({ jwksUri, issuer: ISSUER, audience: AUDIENCE, now: () => now, ...options });
}

function token(pair: Pair, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  const seconds = Math.floor(now / 1000);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: thumbprint(pair.publicKey), ...header })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: '7', sid: 's', jti: 'j', iat: seconds, exp: seconds + 600, ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('authapi/verify', () => {
  it('reads amr as methods, and with requireMethods refuses a token whose session skipped the second factor', async () => {
    const key = ec();
    published = [key];
    expect(await verifier().verify(token(key, { amr: ['pwd', 'otp'] }))).toMatchObject({ methods: ['pwd', 'otp'] });
    expect(await verifier().verify(token(key))).toMatchObject({ methods: [] });
    const strict = verifier({ requireMethods: ['otp'] });
    expect(await reason(strict.verify(token(key, { amr: ['pwd', 'otp'] })))).toBe('accepted');
    expect(await reason(strict.verify(token(key, { amr: ['pwd'] })))).toBe('amr');
    expect(await reason(strict.verify(token(key)))).toBe('amr');
  });

  it('fetches the JWKS once and keeps it for its max-age', async () => {
    const key = ec();
    published = [key];
    const check = verifier();
    expect(await check.verify(token(key))).toMatchObject({ subject: '7', sessionId: 's' });
    now += 299_000;
    await check.verify(token(key));
    expect(fetches).toBe(1);
    now += 2_000;
    await check.verify(token(key));
    expect(fetches).toBe(2);
  });

  it('learns a key published later on its first unknown kid, and refetches for unknown kids at most every 30 s', async () => {
    const [old, next] = [ec(), ec()];
    published = [old];
    const check = verifier();
    await check.verify(token(old));
    published = [old, next];
    now += 30_000;
    expect(await reason(check.verify(token(next)))).toBe('accepted');
    expect(fetches).toBe(2);
    // A flood of made-up kids within the interval costs no fetch.
    for (let i = 0; i < 20; i++) expect(await reason(check.verify(token(ec())))).toBe('unknown_kid');
    expect(fetches).toBe(2);
    now += 30_000;
    expect(await reason(check.verify(token(ec())))).toBe('unknown_kid');
    expect(fetches).toBe(3);
  });

  it('keeps verifying with the keys it has while the JWKS is unreachable, and says so when it has none', async () => {
    const key = ec();
    published = [key];
    const check = verifier();
    await check.verify(token(key));
    available = false;
    now += 301_000;
    expect(await reason(check.verify(token(key)))).toBe('accepted');
    expect(await reason(verifier().verify(token(key)))).toBe('jwks_unavailable');
  });

  it('checks iss, aud, exp (30 s tolerance), nbf, iat, typ, alg, crit and the signature', async () => {
    const key = ec();
    published = [key];
    const check = verifier();
    const seconds = Math.floor(now / 1000);
    expect(await reason(check.verify(token(key, { aud: ['other', AUDIENCE] })))).toBe('accepted');
    expect(await reason(check.verify(token(key, { exp: seconds - 29 })))).toBe('accepted');
    expect(await reason(check.verify(token(key, { exp: seconds - 30 })))).toBe('exp');
    expect(await reason(check.verify(token(key, { exp: undefined })))).toBe('exp');
    expect(await reason(check.verify(token(key, { iss: 'https://evil.test' })))).toBe('iss');
    expect(await reason(check.verify(token(key, { aud: 'other' })))).toBe('aud');
    expect(await reason(check.verify(token(key, { nbf: seconds + 60 })))).toBe('nbf');
    expect(await reason(check.verify(token(key, { iat: seconds + 60 })))).toBe('iat');
    expect(await reason(check.verify(token(key, {}, { typ: 'JWT' })))).toBe('typ');
    expect(await reason(check.verify(token(key, {}, { alg: 'HS256' })))).toBe('alg');
    expect(await reason(check.verify(token(key, {}, { alg: 'RS256' })))).toBe('alg');
    expect(await reason(check.verify(token(key, {}, { crit: ['exp'] })))).toBe('malformed');
    expect(await reason(check.verify(token(ec(), {}, { kid: thumbprint(key.publicKey) })))).toBe('signature');
    expect(await reason(check.verifyAuthorization(`Bearer ${token(key)}`))).toBe('accepted');
    expect(await reason(check.verifyAuthorization(token(key)))).toBe('malformed');
  });
});
