import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbprint } from '../server/auth/signing-keys.js';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, startChildServer, type ChildServer } from './helpers/child-server.js';
import { isRecord, postJson, send } from './helpers/http.js';
import { createRedisNamespace, createTestDatabase, type TestDatabase, type TestRedisNamespace } from './helpers/postgres.js';
import { bearer, GOOD_PASSWORD, testEnv, uniqueEmail } from './helpers/server.js';

/**
 * Two real server processes on one PostgreSQL database, reading one ES256 keys file: a token signed by either
 * verifies on the other, and both publish the same JWKS. (Like tests/multi-instance.test.ts, postgres project only.)
 */
describe.skipIf(!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL)(
  'two ES256 instances on one PostgreSQL with the same keys file (set TEST_DATABASE_URL and TEST_REDIS_URL to run)',
  { timeout: CHILD_TEST_TIMEOUT_MS },
  () => {
    let database: TestDatabase;
    let redis: TestRedisNamespace;
    let a: ChildServer;
    let b: ChildServer;
    const active = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const next = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = createRedisNamespace();
      const dir = makeTempDir('keys-instances');
      const keysFile = join(dir, 'keys.pem');
      const pem = (key: typeof active) => key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      writeFileSync(keysFile, `status: active\n${pem(active)}status: next\n${pem(next)}`, { mode: 0o600 });
      const env = testEnv(dir, {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        JWT_ALGORITHM: 'ES256',
        JWT_SIGNING_KEYS_FILE: keysFile,
      });
      [a, b] = await Promise.all([startChildServer({ env, cwd: dir }), startChildServer({ env, cwd: dir })]);
    }, CHILD_TEST_TIMEOUT_MS);

    afterAll(async () => {
      await cleanUpChildren();
      await database?.drop();
      await redis?.clear();
    });

    it('a token from A works on B and one from B on A; both publish the same keys', async () => {
      const email = uniqueEmail('keys');
      expect((await postJson(a.url, '/api/v1/users/register', { email, password: GOOD_PASSWORD })).status).toBe(201);
      for (const [issuer, verifier] of [
        [a, b],
        [b, a],
      ] as const) {
        const login = await postJson(issuer.url, '/api/v1/users/login', { email, password: GOOD_PASSWORD });
        const token = isRecord(login.body) && typeof login.body.access_token === 'string' ? login.body.access_token : '';
        const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
        expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: thumbprint(active.publicKey) });
        const me = await send(verifier.url, '/api/v1/users/me', { headers: bearer(token) });
        expect(me.status, me.text).toBe(200);
        expect(me.body).toMatchObject({ email });
      }
      const [jwksA, jwksB] = await Promise.all([send(a.url, '/.well-known/jwks.json'), send(b.url, '/.well-known/jwks.json')]);
      expect(jwksA.text).toBe(jwksB.text);
      expect(jwksA.text).toContain(thumbprint(next.publicKey));
    });
  },
);
