import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function expectUncacheable(response: Response): void {
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
}

describe('every answer that carries tokens is uncacheable (Cache-Control: no-store, Pragma: no-cache)', () => {
  it('login, with JSON and with the OAuth2 form', async () => {
    const { email, password } = await registerAndLogin(server);
    expectUncacheable((await server.client.POST('/api/v1/users/login', { body: { email, password } })).response);
    const form = await fetch(`${server.url}/api/v1/users/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: email, password }).toString(),
    });
    expectUncacheable(form);
  });

  it('refresh', async () => {
    const { tokens } = await registerAndLogin(server);
    expectUncacheable((await server.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } })).response);
  });

  it('a password change, which answers with a fresh pair for this session', async () => {
    const { token, password } = await registerAndLogin(server);
    const { response } = await server.client.POST('/api/v1/users/me/password', {
      headers: bearer(token),
      body: { current_password: password, new_password: 'a different, quite long passphrase 42' },
    });
    expectUncacheable(response);
  });

  it('not answers without tokens, such as the profile', async () => {
    const { token } = await registerAndLogin(server);
    const { response } = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(response.headers.get('pragma')).toBeNull();
  });
});
