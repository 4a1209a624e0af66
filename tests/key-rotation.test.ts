import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../server/app.js';
import type { Clock } from '../server/clock.js';
import { loadConfig } from '../server/config.js';
import { thumbprint } from '../server/auth/signing-keys.js';
import { expectProblem, isRecord, postJson, send } from './helpers/http.js';
import { bearer, GOOD_PASSWORD, testEnv, uniqueEmail } from './helpers/server.js';

/**
 * The README's rotation procedure, step by step, on one database across restarts (as a deploy would do): tokens
 * of the old key keep working until their exp once the new key signs, are refused once the old key is removed,
 * and the new key was in the JWKS before it signed anything. The clock is moved, not waited for.
 */
const TTL_MINUTES = 60;

let dir: string;
let keysFile: string;
let running: RunningApp | undefined;
let now = Date.now();
const clock: Clock = { now: () => now };
const email = uniqueEmail('rotation');
const [oldKey, newKey] = [generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), generateKeyPairSync('ec', { namedCurve: 'prime256v1' })];
const oldKid = thumbprint(oldKey.publicKey);
const newKid = thumbprint(newKey.publicKey);

function entry(privateKey: KeyObject, status: 'active' | 'next'): string {
  return `status: ${status}\n${privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()}`;
}

/** Writes the keys file and (re)starts the server on the same database with it, as a deploy would. */
async function deployWith(...entries: string[]): Promise<string> {
  await running?.stop();
  writeFileSync(keysFile, entries.join('\n'), { mode: 0o600 });
  const env = testEnv(dir, { JWT_ALGORITHM: 'ES256', JWT_SIGNING_KEYS_FILE: keysFile, ACCESS_TOKEN_EXPIRE_MINUTES: String(TTL_MINUTES), LOG_LEVEL: 'silent' });
  running = await startApp(loadConfig(env).config, { clock });
  return running.url;
}

async function login(url: string): Promise<string> {
  const response = await postJson(url, '/api/v1/users/login', { email, password: GOOD_PASSWORD });
  if (!isRecord(response.body) || typeof response.body.access_token !== 'string') throw new Error(`login failed: ${response.text}`);
  return response.body.access_token;
}

function kidOf(token: string): unknown {
  const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
  return isRecord(header) ? header.kid : undefined;
}

async function publishedKids(url: string): Promise<unknown[]> {
  const response = await send(url, '/.well-known/jwks.json');
  return isRecord(response.body) && Array.isArray(response.body.keys) ? response.body.keys.map((key: unknown) => (isRecord(key) ? key.kid : undefined)) : [];
}

async function meStatus(url: string, token: string): Promise<number> {
  return (await send(url, '/api/v1/users/me', { headers: bearer(token) })).status;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'authapi-rotation-'));
  keysFile = join(dir, 'keys.pem');
});
afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rotating the signing key without logging anyone out', () => {
  let beforeRotation: string;
  let whileNext: string;
  let afterRotation: string;
  let rotatedAt: number;

  it('step 0: one active key signs', async () => {
    const url = await deployWith(entry(oldKey.privateKey, 'active'));
    expect((await postJson(url, '/api/v1/users/register', { email, password: GOOD_PASSWORD })).status).toBe(201);
    beforeRotation = await login(url);
    expect(kidOf(beforeRotation)).toBe(oldKid);
    expect(await publishedKids(url)).toEqual([oldKid]);
  });

  it('step 1: the new key, added as next, is published but signs nothing', async () => {
    const url = await deployWith(entry(oldKey.privateKey, 'active'), entry(newKey.privateKey, 'next'));
    expect(await publishedKids(url)).toEqual([oldKid, newKid]);
    whileNext = await login(url);
    expect(kidOf(whileNext)).toBe(oldKid);
    expect(await meStatus(url, beforeRotation)).toBe(200);
  });

  it('step 2: once the new key is active it signs, and the old key\'s tokens work until their exp', async () => {
    // The JWKS cache's max-age (300 s) has passed since step 1.
    now += 301_000;
    rotatedAt = now;
    const url = await deployWith(entry(oldKey.privateKey, 'active'), entry(newKey.privateKey, 'active'));
    afterRotation = await login(url);
    expect(kidOf(afterRotation)).toBe(newKid);
    expect(await publishedKids(url)).toEqual([oldKid, newKid]);
    for (const token of [beforeRotation, whileNext, afterRotation]) expect(await meStatus(url, token)).toBe(200);
    // The old key's last token runs out TTL_MINUTES after it was issued (step 1's clock), no sooner.
    now += (TTL_MINUTES * 60 - 302) * 1000;
    expect(await meStatus(url, whileNext)).toBe(200);
    now += 2_000;
    expectProblem(await send(url, '/api/v1/users/me', { headers: bearer(whileNext) }), 401, 'invalid_token');
    expect(await meStatus(url, afterRotation)).toBe(200);
  });

  it('step 3: with the old key removed its tokens are refused, though unexpired; the new key\'s still work', async () => {
    // Back to step 2's time, when the old key's tokens were all unexpired: what refuses them now is the removal.
    now = rotatedAt;
    const url = await deployWith(entry(newKey.privateKey, 'active'));
    expect(await publishedKids(url)).toEqual([newKid]);
    expectProblem(await send(url, '/api/v1/users/me', { headers: bearer(beforeRotation) }), 401, 'invalid_token');
    expect(await meStatus(url, afterRotation)).toBe(200);
  });
});
