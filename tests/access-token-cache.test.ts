import { describe, expect, it } from 'vitest';
import { AccessTokens, CLOCK_LEEWAY_SECONDS } from '../server/auth/access-tokens.js';
import type { Clock } from '../server/clock.js';
import { testClock } from './helpers/clock.js';

// The verified-token cache of AccessTokens (server/auth/access-tokens.ts), on real tokens and a clock the test moves.
const SESSION = '123e4567-e89b-12d3-a456-426614174000';

function accessTokens(ttlSeconds: number, clock?: Clock): AccessTokens {
  return new AccessTokens({ secret: 'a'.repeat(48), algorithm: 'HS256', issuer: 'authapi', audience: 'authapi', ttlSeconds }, clock);
}

describe('verified access tokens, kept in memory', () => {
  it('refuses a token once its exp has come, though it was verified (and kept) before', () => {
    const clock = testClock({ frozenAt: Date.now() });
    const tokens = accessTokens(60, clock);
    const token = tokens.issue(7, SESSION);
    const claims = tokens.verify(token);
    expect(claims).toMatchObject({ userId: 7, sessionId: SESSION });
    clock.advance(59_000);
    expect(tokens.verify(token)).toEqual(claims);
    clock.advance(1000);
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('refuses a token whose iat lies further ahead than the clock leeway, and accepts one within it', () => {
    const start = Math.floor(Date.now() / 1000) * 1000;
    const clock = testClock({ frozenAt: start });
    const issuer = accessTokens(600, clock);
    clock.advance(CLOCK_LEEWAY_SECONDS * 1000);
    const withinLeeway = issuer.issue(7, SESSION);
    clock.advance(1000);
    const fromTheFuture = issuer.issue(7, SESSION);
    // The verifier's clock is behind the issuer's: by the leeway for the first token, by one second more for the second.
    const verifier = accessTokens(600, testClock({ frozenAt: start }));
    expect(verifier.verify(withinLeeway)).toBeDefined();
    expect(verifier.verify(fromTheFuture)).toBeUndefined();
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
