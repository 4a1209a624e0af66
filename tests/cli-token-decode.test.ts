import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbprint } from '../server/auth/signing-keys.js';
import { cliLogin, createCliSandbox, EXIT, storedTokens, type CliSandbox } from './helpers/cli.js';
import { registerAccount, startTestServer, type TestServer } from './helpers/server.js';

describe('authcli token --decode', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let server: TestServer;
  let cli: CliSandbox;

  beforeAll(async () => {
    server = await startTestServer({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
    cli = createCliSandbox(server.url);
  });
  afterAll(async () => {
    cli?.cleanup();
    await server?.stop();
  });

  it('prints the stored token\'s header (with its kid) and claims as JSON', async () => {
    const { email, id } = await registerAccount(server);
    expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
    const result = await cli.run(['token', '--decode']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const printed: unknown = JSON.parse(result.stdout);
    expect(printed).toMatchObject({
      header: { alg: 'ES256', typ: 'at+jwt', kid: thumbprint(key.publicKey) },
      claims: { sub: String(id), iss: 'authapi', aud: 'authapi' },
    });
    const [, payload] = storedTokens(cli).accessToken.split('.');
    expect(printed).toMatchObject({ claims: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) });
  });
});
