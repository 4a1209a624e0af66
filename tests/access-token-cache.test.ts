import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../server/auth/access-tokens.js';

// The verified-token cache of AccessTokens (server/auth/access-tokens.ts), on real tokens and the real clock.
const SESSION = '123e4567-e89b-12d3-a456-426614174000';

function accessTokens(ttlSeconds: number): AccessTokens {
  return new AccessTokens({ secret: 'a'.repeat(48), algorithm: 'HS256', issuer: 'authapi', audience: 'authapi', ttlSeconds });
}

describe('verified access tokens, kept in memory', () => {
  it('refuses a token once its exp has come, though it was verified (and kept) before', async () => {
    const tokens = accessTokens(1);
    const token = tokens.issue(7, SESSION);
    const claims = tokens.verify(token);
    expect(claims).toMatchObject({ userId: 7, sessionId: SESSION });
    expect(tokens.verify(token)).toEqual(claims);
    // exp is whole seconds: wait until the clock's second reaches it.
    const expiresAtMs = (claims?.expiresAt ?? 0) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - Date.now()) + 50));
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('keys on the exact text: a copy with one signature character changed is refused after the original passed', () => {
    const tokens = accessTokens(900);
    const token = tokens.issue(7, SESSION);
    expect(tokens.verify(token)).toBeDefined();
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const altered = `${token.slice(0, -2)}${last}${token.slice(-1)}`;
    expect(altered).not.toBe(token);
    expect(tokens.verify(altered)).toBeUndefined();
  });

  it('does not carry verified tokens over to a key made with another secret', () => {
    const token = accessTokens(900).issue(7, SESSION);
    const other = new AccessTokens({ secret: 'b'.repeat(48), algorithm: 'HS256', issuer: 'authapi', audience: 'authapi', ttlSeconds: 900 });
    expect(other.verify(token)).toBeUndefined();
  });
});
