import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, expectProblem, postJson, send, type RawRequest, type RawResponse } from './helpers/http.js';
import { bearer, GOOD_PASSWORD, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import { allowedMethods } from './helpers/spec.js';

const REGISTER = '/api/v1/users/register';
const LOGIN = '/api/v1/users/login';
const ME = '/api/v1/users/me';
const LIMIT = 16 * 1024;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function json(body: string | Uint8Array, headers: Record<string, string> = {}): RawRequest {
  return { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body };
}

/** A syntactically valid register body of about `bytes` bytes. */
function registerBodyOfSize(bytes: number): string {
  const base = JSON.stringify({ email: uniqueEmail('big'), password: GOOD_PASSWORD, full_name: '' });
  return base.replace('"full_name":""', `"full_name":"${'n'.repeat(bytes - base.length)}"`);
}

describe('malformed bodies', () => {
  it.each([
    ['truncated JSON', '{"email":'],
    ['a trailing comma', '{"email":"a@b.co",}'],
    ['single quotes', "{'email':'a@b.co'}"],
    ['a bare word', 'hello'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ])('answers %s with 400 and the stable code malformed_body', async (_label, body) => {
    const response = await send(server.url, REGISTER, json(body));
    expectProblem(response, 400, 'malformed_body');
    expectNoLeak(response);
  });

  it.each([
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"x"'],
    ['true', 'true'],
  ])('answers well-formed JSON that is no object (%s) with 422 at /body, not "not well-formed"', async (_label, body) => {
    const problem = expectProblem(await send(server.url, REGISTER, json(body)), 422, 'validation_failed');
    expect(problem.errors).toEqual([{ path: '/body', message: 'must be object' }]);
  });

  it('gives the same problem document for every kind of malformed JSON', async () => {
    const first = await send(server.url, REGISTER, json('{"a":'));
    const second = await send(server.url, LOGIN, json('[1,'));
    expect(first.body).toEqual(second.body);
  });
});

describe('body size', () => {
  it(`answers a body over ${LIMIT} bytes with 413`, async () => {
    const body = registerBodyOfSize(LIMIT + 100);
    expect(Buffer.byteLength(body)).toBeGreaterThan(LIMIT);
    const response = await send(server.url, REGISTER, json(body));
    expectProblem(response, 413, 'payload_too_large');
    expectNoLeak(response);
  });

  it('answers an oversized form with 413 too', async () => {
    const body = new URLSearchParams({ username: 'a@b.co', password: 'x'.repeat(LIMIT) }).toString();
    const response = await send(server.url, LOGIN, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expectProblem(response, 413, 'payload_too_large');
  });

  it('reads a body just under the limit (and then validates it: 422 for the over-long name)', async () => {
    const body = registerBodyOfSize(LIMIT - 100);
    const response = await send(server.url, REGISTER, json(body));
    expectProblem(response, 422, 'validation_failed');
  });

  it('answers a small gzip body that inflates past the limit with 413', async () => {
    const response = await send(server.url, REGISTER, json(gzipSync(registerBodyOfSize(LIMIT * 4)), { 'Content-Encoding': 'gzip' }));
    expectProblem(response, 413, 'payload_too_large');
  });
});

describe('content types', () => {
  it.each([
    ['text/plain', 'hello'],
    ['application/xml', '<user/>'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('answers a %s body with 415', async (contentType, body) => {
    const response = await send(server.url, REGISTER, { method: 'POST', headers: { 'Content-Type': contentType }, body });
    expectProblem(response, 415, 'unsupported_media_type');
    expectNoLeak(response);
  });

  it('answers a form posted to the JSON-only register with 415', async () => {
    const response = await send(server.url, REGISTER, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.co&password=abcdefghij',
    });
    expectProblem(response, 415, 'unsupported_media_type');
  });

  it.each(['gzip', 'deflate', 'br'])('answers a corrupt %s-encoded body with 400, not 500', async (encoding) => {
    const response = await send(server.url, REGISTER, json('this is not compressed', { 'Content-Encoding': encoding }));
    expectProblem(response, 400, 'malformed_body');
    expectNoLeak(response);
  });
});

describe('a body sent where it does not belong', () => {
  const malformed = '{"not json';
  const oversized = JSON.stringify({ padding: 'x'.repeat(LIMIT * 2) });

  it.each([
    ['malformed JSON', json(malformed)],
    ['a body over the limit', json(oversized)],
    ['an unsupported content type', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello' }],
  ])('is ignored by operations that take none: %s to logout and to revoking a session', async (_label, request) => {
    const { token } = await registerAndLogin(server);
    const revoke = await send(server.url, '/api/v1/users/me/sessions/00000000-0000-4000-8000-000000000000', {
      ...request,
      method: 'DELETE',
      headers: { ...request.headers, ...bearer(token) },
    });
    expectProblem(revoke, 404, 'session_not_found');
    const logout = await send(server.url, '/api/v1/users/logout', { ...request, headers: { ...request.headers, ...bearer(token) } });
    expect(logout.status, logout.text).toBe(204);
  });

  it("is read only after the token is checked: a member's malformed body to an admin operation is a 403", async () => {
    const { token } = await registerAndLogin(server);
    const response = await send(server.url, '/api/v1/admin/users/1', { ...json(malformed), method: 'DELETE', headers: { ...json(malformed).headers, ...bearer(token) } });
    expectProblem(response, 403, 'forbidden');
  });

  it('is read only after the token is checked: no token and a malformed or oversized body is a 401', async () => {
    for (const body of [malformed, oversized]) {
      expectProblem(await send(server.url, '/api/v1/users/me/password', json(body)), 401, 'not_authenticated');
    }
  });

  it('is read only after routing: an unknown path is a 404 and a wrong method a 405, whatever the body', async () => {
    for (const body of [malformed, oversized]) {
      expectProblem(await send(server.url, '/api/v1/users/nowhere', json(body)), 404, 'not_found');
      expectProblem(await send(server.url, ME, json(body)), 405, 'method_not_allowed');
    }
  });
});

describe('routing', () => {
  it.each([
    '/METRICS', '/Metrics', '/metrics/', '/healthz/', '/HEALTHZ', '/api/v1/users/ME', '/api/v1/users/me/', '/API/V1/USERS/ME',
    '/Docs', '/docs/', '/openapi.JSON', '/redoc/', '/DOCS/swagger-ui.css', '/Account', '/account/',
  ])('matches paths exactly: %s is a 404', async (path) => {
    const response = await send(server.url, path);
    expectProblem(response, 404, 'not_found');
  });

  it.each(['POST', 'PATCH'])('matches paths exactly for %s too: /api/v1/users/LOGIN is a 404', async (method) => {
    expectProblem(await send(server.url, '/api/v1/users/LOGIN', { ...json('{}'), method }), 404, 'not_found');
  });

  it.each(['/', '/api/v1/users', '/api/v1/users/unknown', '/api/v2/users/me', '/api/v1/users/%E0%A4%A'])(
    'answers the unknown path %s with 404 problem+json',
    async (path) => {
      const response = await send(server.url, path);
      expectProblem(response, 404, 'not_found');
      expectNoLeak(response);
    },
  );

  it.each([
    ['DELETE', REGISTER],
    ['GET', REGISTER],
    ['PUT', LOGIN],
    ['POST', ME],
  ])('answers %s %s with 405 and an Allow header listing the methods the contract gives that path', async (method, path) => {
    const response = await send(server.url, path, { method });
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.get('allow')).toBe(allowedMethods(path));
  });
});

describe('every error is a problem document that reveals nothing', () => {
  const probes: [string, string, RawRequest][] = [
    ['malformed JSON', REGISTER, json('{')],
    ['a JSON array', REGISTER, json('[1,2]')],
    ['a prototype-pollution key', REGISTER, json('{"__proto__":{"admin":true},"email":"a@b.co","password":"abcdefghij"}')],
    ['deep nesting', REGISTER, json('['.repeat(3000) + ']'.repeat(3000))],
    ['no body', REGISTER, { method: 'POST' }],
    ['an empty JSON body', REGISTER, json('')],
    ['wrong types', REGISTER, json('{"email":1,"password":true,"full_name":[]}')],
    ['an invalid email', REGISTER, json('{"email":"not an email","password":"abcdefghij"}')],
    ['an email with SQL in it', LOGIN, json(`{"email":"x'--@example.com","password":"' or 1=1 --"}`)],
    ['an unknown charset', REGISTER, json('{}', { 'Content-Type': 'application/json; charset=ebcdic-xx' })],
    ['an unknown content encoding', REGISTER, json('{}', { 'Content-Encoding': 'zstd-ish' })],
    // An unknown query parameter on an operation that declares none (e.g. a
    // cache-buster on /healthz) is ignored by the validator, not refused.
    ['a garbage token', ME, { headers: { Authorization: 'Bearer ..' } }],
    ['a huge header token', ME, { headers: { Authorization: `Bearer ${'x'.repeat(8000)}` } }],
    ['an unknown path', '/etc/passwd', {}],
    ['a path traversal', '/api/v1/users/..%2f..%2fpackage.json', {}],
    ['a wrong method', ME, { method: 'PUT' }],
  ];

  it.each(probes)('%s', async (_label, path, init) => {
    const response: RawResponse = await send(server.url, path, init);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status, `${path}: ${response.text}`).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
    expect(Object.keys(expectProblem(response, response.status))).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
    );
    expectNoLeak(response);
  });

  it('keeps a 500 as opaque as the rest', async () => {
    // The one 500 a client can cause today (see the corrupt-encoding tests); whatever the status, nothing leaks.
    const response = await send(server.url, REGISTER, json('nope', { 'Content-Encoding': 'deflate' }));
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
    expectNoLeak(response);
  });

  it('never echoes the password in a problem', async () => {
    const email = uniqueEmail('echo');
    const secret = 'super-secret-password-42';
    const rejected = await postJson(server.url, REGISTER, { email, password: secret, role: 'admin' });
    expectProblem(rejected, 422, 'validation_failed');
    expect(rejected.text).not.toContain(secret);
    const wrong = await postJson(server.url, LOGIN, { email, password: secret });
    expect(wrong.text).not.toContain(secret);
  });
});

describe('X-Content-Type-Options: nosniff on every response', () => {
  it('is sent on API answers of every kind: 200, 201, 204, 401, 404, 405, 422 and the probes', async () => {
    const { token } = await registerAndLogin(server);
    const answers = [
      await send(server.url, ME, { headers: bearer(token) }),
      await postJson(server.url, REGISTER, { email: uniqueEmail('nosniff'), password: GOOD_PASSWORD }),
      await send(server.url, '/api/v1/users/logout', { method: 'POST', headers: bearer(token) }),
      await send(server.url, ME),
      await send(server.url, '/nowhere'),
      await send(server.url, ME, { method: 'PUT' }),
      await postJson(server.url, REGISTER, {}),
      await send(server.url, '/healthz'),
      await send(server.url, '/metrics'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 201, 204, 401, 404, 405, 422, 200, 200]);
    for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
