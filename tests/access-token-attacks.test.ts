import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, send, type RawResponse } from './helpers/http.js';
import { bearer, registerAndLogin, startTestServer, TEST_JWT_SECRET, type TestServer } from './helpers/server.js';
import { accessClaims, base64url, craftToken, payloadOf, signToken, subjectOf, type TokenSubject } from './helpers/tokens.js';

const OTHER_SECRET = 'another-secret-0123456789abcdef0123456789abcdef';

let server: TestServer;
/** A real user of this server (and the session of their login), and one more whose id a forged token could claim. */
let victim: TokenSubject & { token: string };
let other: TokenSubject;

beforeAll(async () => {
  server = await startTestServer();
  const first = await registerAndLogin(server);
  const second = await registerAndLogin(server);
  victim = { ...subjectOf(first.token), token: first.token };
  other = subjectOf(second.token);
});
afterAll(async () => {
  await server?.stop();
});

function me(token: string): Promise<RawResponse> {
  return send(server.url, '/api/v1/users/me', { headers: bearer(token) });
}

async function expectRefused(token: string): Promise<void> {
  const response = await me(token);
  expectProblem(response, 401, 'invalid_token');
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_token"');
}

function segments(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

describe('hand-crafted access tokens', () => {
  it('accepts a correctly crafted token (proves the crafting helpers are right)', async () => {
    const viaJsonwebtoken = await me(signToken(accessClaims(victim)));
    expect(viaJsonwebtoken.status, viaJsonwebtoken.text).toBe(200);
    expect(viaJsonwebtoken.body).toMatchObject({ id: victim.userId });
    const byHand = await me(craftToken({ alg: 'HS256', typ: 'at+jwt' }, accessClaims(victim), TEST_JWT_SECRET));
    expect(byHand.status, byHand.text).toBe(200);
    expect(byHand.body).toMatchObject({ id: victim.userId });
    // and the server's own token still works
    expect((await me(victim.token)).status).toBe(200);
  });

  describe('refuses with 401 invalid_token', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s" with an empty signature', async (alg) => {
      await expectRefused(craftToken({ alg, typ: 'at+jwt' }, accessClaims(victim)));
    });

    it('alg "none" that still carries a valid HS256 signature', async () => {
      const [, , signature] = segments(signToken(accessClaims(victim)));
      const unsigned = craftToken({ alg: 'none', typ: 'at+jwt' }, accessClaims(victim));
      await expectRefused(unsigned + signature);
    });

    it.each(['HS384', 'HS512'] as const)('%s signed with the right secret (algorithm not pinned)', async (algorithm) => {
      await expectRefused(signToken(accessClaims(victim), { algorithm }));
    });

    it('a payload changed to another user (sub) under the original signature', async () => {
      const [header, , signature] = segments(victim.token);
      const tampered = base64url(JSON.stringify({ ...payloadOf(victim.token), sub: String(other.userId) }));
      await expectRefused(`${header}.${tampered}.${signature}`);
    });

    it('a stripped signature', async () => {
      const [header, payload] = segments(victim.token);
      await expectRefused(`${header}.${payload}.`);
    });

    it('a token signed with another secret', async () => {
      await expectRefused(signToken(accessClaims(victim), { secret: OTHER_SECRET }));
    });

    it('an expired token', async () => {
      const past = Math.floor(Date.now() / 1000) - 120;
      await expectRefused(signToken(accessClaims(victim, { iat: past - 600, exp: past })));
    });

    it('a token without exp', async () => {
      await expectRefused(signToken(accessClaims(victim, { exp: undefined })));
    });

    it('a token not valid before a future nbf', async () => {
      await expectRefused(signToken(accessClaims(victim, { nbf: Math.floor(Date.now() / 1000) + 300 })));
    });

    it.each([
      ['iss', { iss: 'someone-else' }],
      ['iss (missing)', { iss: undefined }],
      ['aud', { aud: 'someone-else' }],
      ['aud (missing)', { aud: undefined }],
      ['jti (missing)', { jti: undefined }],
    ])('a wrong %s', async (_label, overrides) => {
      await expectRefused(signToken(accessClaims(victim, overrides)));
    });

    it.each([
      ['JWT', { alg: 'HS256', typ: 'JWT' }],
      ['missing', { alg: 'HS256' }],
      ['refresh-token-like', { alg: 'HS256', typ: 'rt+jwt' }],
      ['differently cased', { alg: 'HS256', typ: 'AT+JWT' }],
    ])('a wrong typ (%s)', async (_label, header) => {
      await expectRefused(craftToken(header, accessClaims(victim), TEST_JWT_SECRET));
    });

    it('a 2-segment token', async () => {
      const [header, payload] = segments(victim.token);
      await expectRefused(`${header}.${payload}`);
    });

    it('a 4-segment token', async () => {
      await expectRefused(`${victim.token}.${segments(victim.token)[2]}`);
    });

    it.each([
      ['letters', 'abc'],
      ['a leading zero', '01'],
      ['a decimal', '1.0'],
      ['a negative number', '-1'],
      ['zero', '0'],
      ['an SQL fragment', '1 or 1=1'],
      ['a number that is not a string', 1],
      ['an unsafe integer', '99999999999999999999'],
    ])('a non-numeric or malformed sub (%s)', async (_label, sub) => {
      await expectRefused(signToken(accessClaims(victim, { sub })));
    });

    it('a token for a user id that does not exist', async () => {
      await expectRefused(signToken(accessClaims({ ...victim, userId: other.userId + 1000 })));
    });

    it.each([
      ['missing', { sid: undefined }],
      ['not a session', { sid: randomUUID() }],
      ['not a UUID', { sid: 'session-1' }],
    ])('a sid that is %s', async (_label, overrides) => {
      await expectRefused(signToken(accessClaims(victim, overrides)));
    });

    it("another user's id with the victim's session", async () => {
      await expectRefused(signToken(accessClaims({ ...victim, userId: other.userId })));
    });

    it.each([
      ['kid', { kid: 'attacker-key' }],
      ['jku', { jku: 'https://attacker.example/jwks.json' }],
      ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
      ['jwk', { jwk: { kty: 'oct', k: base64url(OTHER_SECRET) } }],
    ])('a "%s" header pointing at another key, signed with that key', async (_label, header) => {
      await expectRefused(signToken(accessClaims(victim), { secret: OTHER_SECRET, header }));
    });

    it('a token whose header is not JSON', async () => {
      const [, payload, signature] = segments(victim.token);
      await expectRefused(`${base64url('not json')}.${payload}.${signature}`);
    });
  });
});
