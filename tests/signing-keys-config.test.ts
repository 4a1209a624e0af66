import { TEST_MFA_KEY } from './helpers/server.js';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { thumbprint } from '../server/auth/signing-keys.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { cleanUpChildren, makeTempDir, runToExit } from './helpers/child-server.js';
import { MANAGE_JS } from './helpers/manage.js';

const run = promisify(execFile);
const dir = makeTempDir('keys-config');
afterAll(cleanUpChildren);

const STRONG_SECRET = 'a-strong-production-secret-0123456789abcdef';

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

let files = 0;
function keysFile(text: string): string {
  files += 1;
  const path = join(dir, `keys-${files}.pem`);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('signing-key settings, checked at start-up', () => {
  it('loads an ES256 key from JWT_PRIVATE_KEY (also with \\n escapes) and an RS256 one from a file', () => {
    for (const inline of [pem(ec.privateKey), pem(ec.privateKey).replaceAll('\n', '\\n')]) {
      const { config } = loadConfig({ NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: inline });
      expect(config.jwt.signingKeys.map((key) => key.kid)).toEqual([thumbprint(ec.publicKey)]);
    }
    const { config } = loadConfig({ NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, JWT_ALGORITHM: 'RS256', JWT_SIGNING_KEYS_FILE: keysFile(pem(rsa.privateKey)) });
    expect(config.jwt.signingKeys).toMatchObject([{ algorithm: 'RS256', status: 'active' }]);
  });

  it.each([
    ['missing', { JWT_ALGORITHM: 'ES256' }, /JWT_ALGORITHM=ES256 needs a private key: set JWT_SIGNING_KEYS_FILE/],
    ['a file that does not exist', { JWT_ALGORITHM: 'ES256', JWT_SIGNING_KEYS_FILE: '/nonexistent/keys.pem' }, /JWT_SIGNING_KEYS_FILE "\/nonexistent\/keys.pem" cannot be read \(ENOENT\)/],
    ['a file that cannot be read (a directory)', { JWT_ALGORITHM: 'ES256', JWT_SIGNING_KEYS_FILE: dir }, /JWT_SIGNING_KEYS_FILE ".*" cannot be read \(EISDIR\)/],
    ['not PEM at all', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: 'hello' }, /JWT_PRIVATE_KEY holds no PEM private key/],
    ['a damaged PEM', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' }, /JWT_PRIVATE_KEY key #1 is not a readable PEM private key/],
    ['a public key', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: ec.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, /JWT_PRIVATE_KEY key #1 is a PUBLIC KEY block, not a private key/],
    ['an RSA key for ES256', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem(rsa.privateKey) }, /JWT_PRIVATE_KEY key #1 is a rsa key, but JWT_ALGORITHM=ES256 needs an EC P-256 key/],
    ['a P-384 key for ES256', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey) }, /is a ec key on secp384r1, but JWT_ALGORITHM=ES256 needs an EC P-256 key/],
    ['an EC key for RS256', { JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pem(ec.privateKey) }, /JWT_PRIVATE_KEY key #1 is a ec key on prime256v1, but JWT_ALGORITHM=RS256 needs an RSA key/],
    ['a 1024-bit RSA key', { JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey) }, /JWT_PRIVATE_KEY key #1 is an RSA key of 1024 bits, too weak: at least 2048 are required/],
    ['only a next key', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: `status: next\n${pem(ec.privateKey)}` }, /JWT_PRIVATE_KEY has no key with status active/],
    ['an unknown status', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: `status: retired\n${pem(ec.privateKey)}` }, /JWT_PRIVATE_KEY key #1: status must be active or next \(got "retired"\)/],
    ['the same key twice', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: `${pem(ec.privateKey)}${pem(ec.privateKey)}` }, /JWT_PRIVATE_KEY lists the same key twice/],
    ['both variables', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem(ec.privateKey), JWT_SIGNING_KEYS_FILE: '/x' }, /JWT_SIGNING_KEYS_FILE and JWT_PRIVATE_KEY are both set/],
    ['a key with HS256', { JWT_PRIVATE_KEY: pem(ec.privateKey) }, /JWT_PRIVATE_KEY is set, but JWT_ALGORITHM=HS256 signs with JWT_SECRET/],
  ])('refuses %s, naming the variable', (_label, env, message) => {
    const problems = problemsOf(env);
    expect(problems.join('\n')).toMatch(message);
  });

  it('warns in production about a keys file others can read', () => {
    const path = keysFile(pem(ec.privateKey));
    chmodSync(path, 0o644);
    const env = { NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, JWT_ALGORITHM: 'ES256', JWT_SIGNING_KEYS_FILE: path };
    expect(statSync(path).mode & 0o077).not.toBe(0);
    expect(loadConfig(env).warnings.join('\n')).toMatch(/JWT_SIGNING_KEYS_FILE ".*" is readable by other users; chmod 600 it/);
  });

  it('npm start in production with a weak RSA key exits 78 and names the variable', async () => {
    const weak = keysFile(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey));
    const env = { NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, JWT_ALGORITHM: 'RS256', JWT_SIGNING_KEYS_FILE: weak, DATABASE_URL: `sqlite:///${join(dir, 'app.db')}` };
    const exit = await runToExit({ env, cwd: dir });
    expect(exit.code, exit.stderr).toBe(78);
    expect(exit.stderr).toMatch(/JWT_SIGNING_KEYS_FILE key #1 is an RSA key of 1024 bits, too weak/);
  });
});

describe('npm run manage -- keys generate', () => {
  it.each([
    ['ES256', 'ec'],
    ['RS256', 'rsa'],
  ] as const)('--alg %s writes a 0600 PEM whose thumbprint it prints, and which the server loads', async (alg, type) => {
    const cwd = join(dir, `generate-${alg}`);
    mkdirSync(cwd);
    const out = join(cwd, 'new.pem');
    const { stdout } = await run(process.execPath, [MANAGE_JS, 'keys', 'generate', '--alg', alg, '--out', out], { cwd, env: { PATH: process.env.PATH ?? '' } });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    const privateKey = createPrivateKey(text);
    expect(privateKey.asymmetricKeyType).toBe(type);
    expect(stdout).toBe(`${thumbprint(createPublicKey(privateKey))}\n`);
    // Made as `next`: appended to a keys file with an active key it is published, not signing.
    const file = keysFile(`${pem(alg === 'ES256' ? ec.privateKey : rsa.privateKey)}${text}`);
    const { config } = loadConfig({ NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, JWT_ALGORITHM: alg, JWT_SIGNING_KEYS_FILE: file });
    expect(config.jwt.signingKeys.map((key) => key.status)).toEqual(['active', 'next']);
    // It never overwrites a key file.
    await expect(run(process.execPath, [MANAGE_JS, 'keys', 'generate', '--alg', alg, '--out', out], { cwd })).rejects.toMatchObject({ code: 1 });
    expect(readFileSync(out, 'utf8')).toBe(text);
  });

  it('answers a usage error with exit 2', async () => {
    await expect(run(process.execPath, [MANAGE_JS, 'keys', 'generate', '--alg', 'HS256'], { cwd: dir })).rejects.toMatchObject({ code: 2 });
  });
});
