import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSql } from './helpers/db.js';
import { expectProblem, send, type RawResponse } from './helpers/http.js';
import { bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';

const ME = '/api/v1/users/me';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function me(headers: Record<string, string> = {}, query = ''): Promise<RawResponse> {
  return send(server.url, ME + query, { headers });
}

/** fetch joins repeated headers into one; node:http sends each value as a header line of its own. */
async function withRepeatedHeader(path: string, name: string, values: string[]): Promise<RawResponse> {
  const { status, headers, text } = await new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const request = httpRequest(server.url + path, { headers: { [name]: values } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const received = new Headers();
        for (const [key, value] of Object.entries(response.headers)) if (typeof value === 'string') received.set(key, value);
        resolve({ status: response.statusCode ?? 0, headers: received, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('error', reject);
    request.end();
  });
  return { status, headers, text, body: JSON.parse(text) as unknown };
}

function expectInvalidToken(response: RawResponse): void {
  expectProblem(response, 401, 'invalid_token');
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_token"');
}

describe('GET /api/v1/users/me', () => {
  it('answers 200 with the same user the token was issued for', async () => {
    const { token, user } = await registerAndLogin(server, { fullName: 'Current User' });
    const { data, response } = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(response.status).toBe(200);
    expect(data).toEqual(user);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('tells two users apart', async () => {
    const first = await registerAndLogin(server);
    const second = await registerAndLogin(server);
    expect((await me(bearer(first.token))).body).toEqual(first.user);
    expect((await me(bearer(second.token))).body).toEqual(second.user);
  });

  it('answers a missing token with 401, a bare "Bearer" challenge and problem+json', async () => {
    const response = await me();
    expectProblem(response, 401, 'not_authenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi"');
  });

  it('answers a garbage token with 401 and error="invalid_token"', async () => {
    expectInvalidToken(await me({ Authorization: 'Bearer not-a-token' }));
    expectInvalidToken(await me({ Authorization: 'Bearer a.b.c' }));
    expectInvalidToken(await me({ Authorization: 'Bearer ' + 'A'.repeat(4000) }));
  });

  it('ignores a token in the query string', async () => {
    const { token } = await registerAndLogin(server);
    const response = await me({}, `?access_token=${encodeURIComponent(token)}`);
    expectProblem(response, 401, 'not_authenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi"');
  });

  it.each([
    ['Basic credentials', (_token: string) => `Basic ${Buffer.from('someone@example.com:password').toString('base64')}`],
    ['a Basic scheme carrying a valid token', (token: string) => `Basic ${token}`],
    ['a token without a scheme', (token: string) => token],
    ['"Bearer" with no token', (_token: string) => 'Bearer'],
    ['two tokens', (token: string) => `Bearer ${token} ${token}`],
  ])('refuses %s with 401', async (_label, authorization) => {
    const { token } = await registerAndLogin(server);
    const response = await me({ Authorization: authorization(token) });
    expectProblem(response, 401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  it.each([
    ['Basic credentials', `Basic ${Buffer.from('someone@example.com:password').toString('base64')}`],
    ['a Digest credential', 'Digest username="someone"'],
    ['a bare token without a scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ])('answers %s, which tries no bearer token, with a challenge that names no error (RFC 6750 §3)', async (_label, authorization) => {
    const response = await me({ Authorization: authorization });
    expectProblem(response, 401, 'not_authenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi"');
  });

  it('refuses two Authorization headers with 400, in either order, even when one holds a valid token', async () => {
    const { token } = await registerAndLogin(server);
    for (const pair of [[`Bearer ${token}`, 'Bearer garbage'], ['Bearer garbage', `Bearer ${token}`], [`Bearer ${token}`, `Bearer ${token}`]]) {
      const response = await withRepeatedHeader(ME, 'Authorization', pair);
      expectProblem(response, 400, 'duplicate_authorization');
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_request"');
    }
  });

  it('accepts the scheme name in any case, as RFC 9110 says auth schemes are case-insensitive', async () => {
    const { token, user } = await registerAndLogin(server);
    const response = await me({ Authorization: `bearer ${token}` });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(user);
  });

  it("answers 401 (not 404) once the token's user has been deleted", async () => {
    const { token, user } = await registerAndLogin(server);
    expect((await me(bearer(token))).status).toBe(200);
    await runSql(server, 'delete from users where id = ?', [user.id]);
    expectInvalidToken(await me(bearer(token)));
  });
});
