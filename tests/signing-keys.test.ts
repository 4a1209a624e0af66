import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child-server.js';
import { expectProblem, isRecord, send } from './helpers/http.js';
import { bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';

/**
 * ES256 and RS256 access tokens, checked from the outside: with nothing but the JWKS document and node:crypto,
 * and by a separate resource-server process that uses `authapi/verify`. Keys are made here, in the test.
 */

type Alg = 'ES256' | 'RS256';

function generatePair(alg: Alg) {
  return alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function pemOf(privateKey: KeyObject, status?: 'active' | 'next'): string {
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return status ? `status: ${status}\n${pem}` : pem;
}

/** RFC 7638 by hand, as a resource server would compute it. */
function rfc7638(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = jwk.kty === 'EC' ? `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}` : `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
  if (!isRecord(value)) throw new Error('not a JSON object');
  return value;
}

/** A JWS signed with `key` (EC signatures in the JOSE form, r‖s), or HMAC when `key` is a secret. */
function signJws(header: object, payload: object, key: KeyObject | Buffer | undefined): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (key === undefined) return `${input}.`;
  if (Buffer.isBuffer(key)) return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

async function jwksOf(url: string): Promise<{ keys: Record<string, unknown>[]; cacheControl: string | null }> {
  const response = await send(url, '/.well-known/jwks.json');
  expect(response.status, response.text).toBe(200);
  const keys = isRecord(response.body) && Array.isArray(response.body.keys) ? response.body.keys.filter(isRecord) : [];
  return { keys, cacheControl: response.headers.get('cache-control') };
}

/** `node dist/server/verify/example-resource-server.js`, a separate process; resolves once it listens. */
async function startResourceServer(authUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist/server/verify/example-resource-server.js')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', AUTH_JWKS_URI: `${authUrl}/.well-known/jwks.json`, AUTH_ISSUER: 'authapi', AUTH_AUDIENCE: 'authapi' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found) resolve(found);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`the resource server exited (${String(code)}): ${output}`)));
  });
  return { url, child };
}

describe.each(['ES256', 'RS256'] as const)('%s access tokens', (alg) => {
  let server: TestServer;
  let pair: ReturnType<typeof generatePair>;
  let account: Awaited<ReturnType<typeof registerAndLogin>>;
  let resource: { url: string; child: ChildProcess };

  beforeAll(async () => {
    pair = generatePair(alg);
    server = await startTestServer({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: pemOf(pair.privateKey).replaceAll('\n', '\\n') });
    account = await registerAndLogin(server);
    resource = await startResourceServer(server.url);
  });
  afterAll(async () => {
    resource?.child.kill();
    await server?.stop();
  });

  it('a login token verifies with only the JWKS document and node:crypto', async () => {
    const { keys, cacheControl } = await jwksOf(server.url);
    expect(cacheControl).toBe('public, max-age=300');
    expect(keys).toHaveLength(1);
    // Only public members: no d, p, q, dp, dq, qi.
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual(alg === 'ES256' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] : ['alg', 'e', 'kid', 'kty', 'n', 'use']);

    const [headerPart, payloadPart, signaturePart = ''] = account.token.split('.');
    const header = decodeSegment(headerPart);
    expect(header).toEqual({ alg, typ: 'at+jwt', kid: rfc7638(pair.publicKey) });
    const jwk = keys.find((key) => key.kid === header.kid);
    if (!jwk) throw new Error('the token names a kid the JWKS does not list');
    expect(jwk.alg).toBe(alg);
    const publicKey = createPublicKey({ key: Object.fromEntries(Object.entries(jwk)) satisfies JsonWebKey, format: 'jwk' });
    const input = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    expect(verify('sha256', input, alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, signature)).toBe(true);
    // The same check fails for a changed payload: the check above can fail.
    const tampered = Buffer.from(`${headerPart}.${b64({ ...decodeSegment(payloadPart), sub: '999' })}`);
    expect(verify('sha256', tampered, alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, signature)).toBe(false);
    expect(decodeSegment(payloadPart)).toMatchObject({ iss: 'authapi', aud: 'authapi', sub: String(account.user.id) });
    expect((await send(server.url, '/api/v1/users/me', { headers: bearer(account.token) })).status).toBe(200);
  });

  it('getAuthorizationServerMetadata: the metadata document names the issuer, the endpoints and the algorithm', async () => {
    const { data, response } = await server.client.GET('/.well-known/oauth-authorization-server');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      issuer: 'authapi',
      token_endpoint: `${server.url}/api/v1/users/login`,
      jwks_uri: `${server.url}/.well-known/jwks.json`,
      grant_types_supported: ['password', 'refresh_token'],
      access_token_signing_alg_values_supported: [alg],
    });
  });

  describe('a resource server in another process, using authapi/verify', () => {
    const whoami = (token: string) => send(resource.url, '/whoami', { headers: bearer(token) });
    const claims = () => {
      const now = Math.floor(Date.now() / 1000);
      return { iss: 'authapi', aud: 'authapi', sub: String(account.user.id), sid: randomUUID(), jti: randomUUID(), iat: now, exp: now + 600 };
    };
    const header = () => ({ alg, typ: 'at+jwt', kid: rfc7638(pair.publicKey) });

    async function expectRefusedEverywhere(token: string) {
      expectProblem(await whoami(token), 401, 'invalid_token');
      expectProblem(await send(server.url, '/api/v1/users/me', { headers: bearer(token) }), 401, 'invalid_token');
    }

    it('accepts the login token', async () => {
      const response = await whoami(account.token);
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ user_id: String(account.user.id) });
      expectProblem(await send(resource.url, '/whoami'), 401, 'missing_token');
    });

    it('refuses a forged token: the right kid, another key', async () => {
      await expectRefusedEverywhere(signJws(header(), claims(), generatePair(alg).privateKey));
    });

    it('refuses an expired token and a wrong aud, though signed with the real key', async () => {
      // Control: the real key with good claims passes the resource server (the session is made up, so the auth server refuses).
      expect((await whoami(signJws(header(), claims(), pair.privateKey))).status).toBe(200);
      const now = Math.floor(Date.now() / 1000);
      await expectRefusedEverywhere(signJws(header(), { ...claims(), iat: now - 7200, exp: now - 3600 }, pair.privateKey));
      await expectRefusedEverywhere(signJws(header(), { ...claims(), aud: 'another-service' }, pair.privateKey));
    });

    it('refuses a wrong kid: the real signature under a kid nobody published', async () => {
      await expectRefusedEverywhere(signJws({ ...header(), kid: rfc7638(generatePair(alg).publicKey) }, claims(), pair.privateKey));
      const [, payload, signature] = account.token.split('.');
      await expectRefusedEverywhere(`${b64({ ...header(), kid: 'unknown' })}.${payload}.${signature}`);
    });

    it('refuses alg swaps: HS256 with the public key as the secret, and none', async () => {
      const publicPem = Buffer.from(pair.publicKey.export({ format: 'pem', type: 'spki' }).toString());
      const publicJwk = Buffer.from(JSON.stringify(pair.publicKey.export({ format: 'jwk' })));
      await expectRefusedEverywhere(signJws({ ...header(), alg: 'HS256' }, claims(), publicPem));
      await expectRefusedEverywhere(signJws({ ...header(), alg: 'HS256' }, claims(), publicJwk));
      await expectRefusedEverywhere(signJws({ ...header(), alg: 'none' }, claims(), undefined));
      await expectRefusedEverywhere(signJws({ ...header(), alg: alg === 'ES256' ? 'RS256' : 'ES256' }, claims(), pair.privateKey));
    });
  });
});

describe('the package export', () => {
  it('`authapi/verify` resolves, from this package, to the built verifier', async () => {
    const script = "const m = await import('authapi/verify'); console.log(Object.keys(m).sort().join(','));";
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT });
    expect(stdout.trim()).toBe('TokenRejectedError,createVerifier,koaBearer');
  });
});

describe('an HS256 server (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('publishes an empty key set, and its tokens carry no kid, exactly as before', async () => {
    const { keys, cacheControl } = await jwksOf(server.url);
    expect(keys).toEqual([]);
    expect(cacheControl).toBe('public, max-age=300');
    const { token } = await registerAndLogin(server);
    expect(decodeSegment(token.split('.')[0])).toEqual({ alg: 'HS256', typ: 'at+jwt' });
  });
});

describe('a keys file with several keys', () => {
  it('lists every key in the JWKS, signs with the last active one, and verifies with all', async () => {
    const [first, second, next] = [generatePair('ES256'), generatePair('ES256'), generatePair('ES256')];
    const dir = mkdtempSync(join(tmpdir(), 'authapi-keys-'));
    const file = join(dir, 'keys.pem');
    writeFileSync(file, [pemOf(first.privateKey, 'active'), pemOf(second.privateKey, 'active'), pemOf(next.privateKey, 'next')].join('\n'), { mode: 0o600 });
    const keyed = await startTestServer({ JWT_ALGORITHM: 'ES256', JWT_SIGNING_KEYS_FILE: file });
    try {
      const { keys } = await jwksOf(keyed.url);
      expect(keys.map((key) => key.kid)).toEqual([first, second, next].map((one) => rfc7638(one.publicKey)));
      const { token, user } = await registerAndLogin(keyed);
      expect(decodeSegment(token.split('.')[0]).kid).toBe(rfc7638(second.publicKey));
      const payload = decodeSegment(token.split('.')[1]);
      for (const one of [first, next]) {
        const resigned = signJws({ alg: 'ES256', typ: 'at+jwt', kid: rfc7638(one.publicKey) }, payload, one.privateKey);
        const response = await send(keyed.url, '/api/v1/users/me', { headers: bearer(resigned) });
        expect(response.status, response.text).toBe(200);
        expect(response.body).toMatchObject({ id: user.id });
      }
    } finally {
      await keyed.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
