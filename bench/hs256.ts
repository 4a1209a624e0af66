/** HS256 JWTs with nothing but `node:crypto`: what the baseline server verifies and the bench signs for it. */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function signHs256(key: Buffer, subject: string, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const head = `${encode({ alg: 'HS256', typ: 'at+jwt' })}.${encode({ sub: subject, iat: now, exp: now + ttlSeconds, jti: randomUUID() })}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/** The token's `sub` if its signature, algorithm and expiry check out. */
export function verifyHs256(key: Buffer, token: string, now = Date.now() / 1000): string | undefined {
  const [header, payload, signature, extra] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || extra !== undefined) return undefined;
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const head: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!isRecord(head) || head.alg !== 'HS256' || !isRecord(claims)) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp <= now || typeof claims.sub !== 'string') return undefined;
    return claims.sub;
  } catch {
    return undefined;
  }
}
