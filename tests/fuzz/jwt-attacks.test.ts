import { createHash, createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSchema } from '../../server/db/entities/user.entity.js';
import { bearer, registerAndLogin, startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

/**
 * Known ways to forge or misuse a JWT, each against a real server and a real account. The server expects HS256,
 * header typ "at+jwt", iss and aud "authapi", sub = the user id, a jti, an exp and sid = a live session's uuid.
 * Every forged token must get 401 with `WWW-Authenticate: Bearer realm="authapi", error="invalid_token"`.
 */
let server: TestServer;
let member: Awaited<ReturnType<typeof registerAndLogin>>;
/** Claims and header of the member's real token: each attack changes one thing. */
let claims: Record<string, unknown>;
const HEADER = { alg: 'HS256', typ: 'at+jwt' };

/** Records every request: a token may point at it (jku, x5u), and the server must never call. */
let recorder: Server;
const hits: string[] = [];
let recorderUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  member = await registerAndLogin(server);
  const payload = jwt.decode(member.token);
  if (typeof payload !== 'object' || payload === null) throw new Error('the server issued a token without claims');
  claims = { ...payload };
  recorder = createServer((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [] }));
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const address = recorder.address();
  if (address === null || typeof address === 'string') throw new Error('the recorder has no port');
  recorderUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => recorder?.close(resolve));
  await server?.stop();
});

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** header.payload.signature, the signature made (or not) by the caller. */
function assemble(header: object, payload: object, signature = ''): string {
  return `${base64url(header)}.${base64url(payload)}.${signature}`;
}

const HASHES = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** Signed by hand (jsonwebtoken would refuse some of these headers and keys): HMAC over `header.payload`. */
function signed(payload: object, options: { header?: object; secret?: string; algorithm?: keyof typeof HASHES } = {}): string {
  const algorithm = options.algorithm ?? 'HS256';
  const signingInput = `${base64url({ ...HEADER, alg: algorithm, ...options.header })}.${base64url(payload)}`;
  return `${signingInput}.${createHmac(HASHES[algorithm], options.secret ?? TEST_JWT_SECRET).update(signingInput).digest('base64url')}`;
}

function rsaSigned(payload: object, header: object, key: KeyObject): string {
  const signingInput = `${base64url({ ...HEADER, alg: 'RS256', ...header })}.${base64url(payload)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}

/** The real claims with a fresh jti and an exp an hour ahead, minus and plus what the attack changes. */
function claimsWith(change: Record<string, unknown> = {}, drop: string[] = []): Record<string, unknown> {
  const fresh: Record<string, unknown> = { ...claims, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600, ...change };
  for (const name of drop) delete fresh[name];
  return fresh;
}

async function me(token: string | undefined, path = '/api/v1/users/me') {
  const response = await fetch(`${server.url}${path}`, { headers: token === undefined ? {} : bearer(token) });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
}

async function expectRefused(token: string): Promise<void> {
  const answer = await me(token);
  expect(answer.status, answer.body).toBe(401);
  expect(answer.challenge).toBe('Bearer realm="authapi", error="invalid_token"');
  expect(answer.body).not.toMatch(/jwt|jsonwebtoken|signature|algorithm|stack/i);
}

describe('forged and misused access tokens are refused', () => {
  it('(control) the same claims signed the way the server signs are accepted', async () => {
    expect((await me(signed(claimsWith()))).status).toBe(200);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s, without and with a signature', async (alg) => {
    const signature = member.token.split('.')[2] ?? '';
    await expectRefused(assemble({ ...HEADER, alg }, claimsWith()));
    await expectRefused(assemble({ ...HEADER, alg }, claimsWith(), signature));
  });

  it.each(['HS384', 'HS512'] as const)('re-signed with %s and the right secret', async (algorithm) => {
    await expectRefused(signed(claimsWith(), { algorithm }));
  });

  it('signed with another secret, or with an empty one', async () => {
    await expectRefused(signed(claimsWith(), { secret: 'another-secret-0123456789abcdef0123456789' }));
    await expectRefused(assemble(HEADER, claimsWith(), ''));
  });

  it('a stripped, a tampered and a borrowed signature', async () => {
    const [header, payload, signature = ''] = member.token.split('.');
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`);
    // The payload changed (another user id, a later exp), the signature of the original kept.
    await expectRefused(`${header}.${base64url({ ...claims, sub: String(member.user.id + 1) })}.${signature}`);
    await expectRefused(`${header}.${base64url({ ...claims, exp: Number(claims.exp) + 3600 })}.${signature}`);
  });

  it('one, two and four segments', async () => {
    const [header, payload, signature] = member.token.split('.');
    await expectRefused(`${header}`);
    await expectRefused(`${header}.${payload}`);
    await expectRefused(`${header}.${payload}.${signature}.${signature}`);
  });

  it('no exp, a past exp, an exp that is not a number, a future nbf', async () => {
    await expectRefused(signed(claimsWith({}, ['exp'])));
    await expectRefused(signed(claimsWith({ exp: Math.floor(Date.now() / 1000) - 10 })));
    await expectRefused(signed(claimsWith({ exp: '9999999999' })));
    await expectRefused(signed(claimsWith({ nbf: Math.floor(Date.now() / 1000) + 3600 })));
  });

  it('a wrong or missing iss or aud', async () => {
    await expectRefused(signed(claimsWith({ iss: 'someone-else' })));
    await expectRefused(signed(claimsWith({ aud: 'someone-else' })));
    await expectRefused(signed(claimsWith({}, ['iss'])));
    await expectRefused(signed(claimsWith({}, ['aud'])));
  });

  it('a wrong or missing typ', async () => {
    for (const typ of ['JWT', 'rt+jwt', 'at+jwt ', '', undefined]) await expectRefused(signed(claimsWith(), { header: { typ } }));
  });

  it('a sub, sid or jti that is not what the server issues', async () => {
    for (const sub of ['0', '-1', 'abc', '1e3', ' 1', '99999999999999999999', String(member.user.id + 1000)]) await expectRefused(signed(claimsWith({ sub })));
    await expectRefused(signed(claimsWith({ sub: Number(member.user.id) })));
    await expectRefused(signed(claimsWith({ sid: randomUUID() })));
    await expectRefused(signed(claimsWith({ sid: 'not-a-uuid' })));
    await expectRefused(signed(claimsWith({}, ['jti'])));
  });

  it('a refresh token as the bearer token', async () => {
    await expectRefused(member.tokens.refresh_token);
  });

  it('kid, jku, x5u and an embedded jwk are never fetched nor trusted', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const pointers = { kid: 'attacker', jku: `${recorderUrl}/jwks.json`, x5u: `${recorderUrl}/cert.pem`, jwk };
    await expectRefused(rsaSigned(claimsWith(), pointers, attacker.privateKey));
    await expectRefused(signed(claimsWith(), { secret: 'attacker-secret-0123456789abcdef0123456', header: pointers }));
    // kid as a path, signed with the empty key that /dev/null would give: the server looks no key up by kid.
    await expectRefused(signed(claimsWith(), { secret: '', header: { kid: '../../../../../../dev/null' } }));
    // Our own signature with the pointers added: whatever the answer, nothing may be fetched.
    expect([200, 401]).toContain((await me(signed(claimsWith(), { header: pointers }))).status);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hits).toEqual([]);
  });

  it('an access token in the query string is ignored', async () => {
    const path = `/api/v1/users/me?access_token=${member.token}`;
    const alone = await me(undefined, path);
    expect(alone.status).toBe(401);
    expect(alone.challenge).toBe('Bearer realm="authapi"'); // no token was presented, in the sense that counts
    // With a header, the header decides; the query token neither helps nor hurts.
    expect((await me(member.token, `/api/v1/users/me?access_token=garbage`)).status).toBe(200);
    const admin = await registerAndLogin(server);
    await server.running.orm.em.fork().nativeUpdate(UserSchema, { id: admin.user.id }, { role: 'admin' });
    expect((await me(member.token, `/api/v1/admin/users?access_token=${admin.token}`)).status).toBe(403);
  });

  it('every token of a deleted account is refused, even one re-signed with the secret', async () => {
    const doomed = await registerAndLogin(server);
    const payload = jwt.decode(doomed.token);
    if (typeof payload !== 'object' || payload === null) throw new Error('no claims');
    const deleted = await server.client.DELETE('/api/v1/users/me', { headers: bearer(doomed.token), body: { password: doomed.password } });
    expect(deleted.response.status).toBe(204);
    await expectRefused(doomed.token);
    await expectRefused(signed({ ...payload, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 }));
  });

  it('every token of a deactivated account is refused, even one re-signed with the secret', async () => {
    const admin = await registerAndLogin(server);
    await server.running.orm.em.fork().nativeUpdate(UserSchema, { id: admin.user.id }, { role: 'admin' });
    const target = await registerAndLogin(server);
    const payload = jwt.decode(target.token);
    if (typeof payload !== 'object' || payload === null) throw new Error('no claims');
    const patched = await server.client.PATCH('/api/v1/admin/users/{userId}', {
      params: { path: { userId: target.user.id } },
      headers: bearer(admin.token),
      body: { is_active: false },
    });
    expect(patched.response.status).toBe(200);
    await expectRefused(target.token);
    await expectRefused(signed({ ...payload, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 }));
    // Reactivation does not bring the ended sessions back.
    await server.client.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId: target.user.id } }, headers: bearer(admin.token), body: { is_active: true } });
    await expectRefused(target.token);
  });
});

/**
 * The same attacks and the asymmetric ones against an ES256 server: its public key is no secret, so nothing may let
 * it (or a key the token brings along) verify a token. Every token names the real key's kid unless said otherwise.
 */
describe('forged tokens against an ES256 server are refused', () => {
  let es256: TestServer;
  let real: { privateKey: KeyObject; publicKey: KeyObject };
  let kid: string;
  let esClaims: Record<string, unknown>;
  const attacker = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  beforeAll(async () => {
    real = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = real.publicKey.export({ format: 'jwk' });
    kid = createHash('sha256').update(`{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`).digest('base64url');
    es256 = await startTestServer({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: real.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
    const login = await registerAndLogin(es256);
    const payload = jwt.decode(login.token);
    if (typeof payload !== 'object' || payload === null) throw new Error('the server issued a token without claims');
    esClaims = { ...payload, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 };
  });
  afterAll(async () => {
    await es256?.stop();
  });

  function esSigned(header: object, key: KeyObject, payload: object = esClaims): string {
    const input = `${base64url({ alg: 'ES256', typ: 'at+jwt', kid, ...header })}.${base64url(payload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }

  function hsSigned(header: object, secret: string | Buffer): string {
    const input = `${base64url({ alg: 'HS256', typ: 'at+jwt', kid, ...header })}.${base64url(esClaims)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  async function expectRefusedByEs256(token: string): Promise<void> {
    const response = await fetch(`${es256.url}/api/v1/users/me`, { headers: bearer(token) });
    const body = await response.text();
    expect(response.status, body).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_token"');
    expect(body).not.toMatch(/jwt|jsonwebtoken|signature|algorithm|stack/i);
  }

  it('(control) the claims signed with the real key under its kid are accepted', async () => {
    expect((await fetch(`${es256.url}/api/v1/users/me`, { headers: bearer(esSigned({}, real.privateKey)) })).status).toBe(200);
  });

  it('key confusion: HS256 with the public key (PEM, DER, JWK, coordinates) as the HMAC secret', async () => {
    const spki = real.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const jwk = real.publicKey.export({ format: 'jwk' });
    for (const secret of [spki, spki.trim(), real.publicKey.export({ format: 'der', type: 'spki' }), JSON.stringify(jwk), `${jwk.x ?? ''}${jwk.y ?? ''}`, kid]) {
      await expectRefusedByEs256(hsSigned({}, secret));
      await expectRefusedByEs256(hsSigned({ kid: undefined }, secret));
    }
    // An RS256 or ES384 label on an ES256 key's signature.
    await expectRefusedByEs256(esSigned({ alg: 'RS256' }, real.privateKey));
    await expectRefusedByEs256(esSigned({ alg: 'ES384' }, real.privateKey));
  });

  it('kid injection: paths, SQL, odd types and sizes name no key', async () => {
    for (const injected of ['../../../../../../dev/null', "' OR '1'='1", `${kid}' --`, `${kid} `, ` ${kid}`, `${kid}\u0000`, kid.toLowerCase(), 'x'.repeat(10_000), 0, null, [kid], { kid }]) {
      await expectRefusedByEs256(esSigned({ kid: injected }, attacker.privateKey));
      await expectRefusedByEs256(hsSigned({ kid: injected }, ''));
    }
    // The real signature is bound to the real kid: moved under an injected one, it is refused.
    const [, payload, signature] = esSigned({}, real.privateKey).split('.');
    await expectRefusedByEs256(`${base64url({ alg: 'ES256', typ: 'at+jwt', kid: `${kid}x` })}.${payload}.${signature}`);
  });

  it('an embedded jwk, a jku or an x5u naming the attacker\'s key is never used nor fetched', async () => {
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
    const attackerKid = createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${attackerJwk.x}","y":"${attackerJwk.y}"}`).digest('base64url');
    const pointers = { jwk: attackerJwk, jku: `${recorderUrl}/jwks.json`, x5u: `${recorderUrl}/cert.pem`, x5c: ['MIIB'] };
    await expectRefusedByEs256(esSigned(pointers, attacker.privateKey));
    await expectRefusedByEs256(esSigned({ ...pointers, kid: attackerKid }, attacker.privateKey));
    await expectRefusedByEs256(esSigned({ jku: `${recorderUrl}/jwks.json`, kid: attackerKid }, attacker.privateKey));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hits).toEqual([]);
  });

  it('an unknown kid, or none at all, even over a real signature', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const otherJwk = other.publicKey.export({ format: 'jwk' });
    const otherKid = createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${otherJwk.x}","y":"${otherJwk.y}"}`).digest('base64url');
    await expectRefusedByEs256(esSigned({ kid: otherKid }, other.privateKey));
    await expectRefusedByEs256(esSigned({ kid: undefined }, real.privateKey));
    await expectRefusedByEs256(esSigned({ kid: otherKid }, real.privateKey));
  });

  it('a forged signature under the real kid, and alg none', async () => {
    await expectRefusedByEs256(esSigned({}, attacker.privateKey));
    await expectRefusedByEs256(`${base64url({ alg: 'none', typ: 'at+jwt', kid })}.${base64url(esClaims)}.`);
    // A signature in DER form (what OpenSSL gives by default) is not the JOSE form.
    const input = `${base64url({ alg: 'ES256', typ: 'at+jwt', kid })}.${base64url(esClaims)}`;
    await expectRefusedByEs256(`${input}.${sign('sha256', Buffer.from(input), real.privateKey).toString('base64url')}`);
  });
});
