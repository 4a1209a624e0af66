import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, postForm, postJson, send, type RawResponse } from './helpers/http.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer, uniqueEmail } from './helpers/server.js';
import { payloadOf } from './helpers/tokens.js';
import { UNTHROTTLED } from './helpers/unthrottled.js';

const REGISTER = '/api/v1/users/register';
const LOGIN = '/api/v1/users/login';

let server: TestServer;
beforeAll(async () => {
  // These passwords probe hashing (repeated characters, 72-byte prefixes), not strength (password-strength.test.ts).
  server = await startTestServer({ ...UNTHROTTLED, PASSWORD_MIN_SCORE: '0' });
});
afterAll(async () => {
  await server?.stop();
});

function registered(password = GOOD_PASSWORD, on: TestServer = server): Promise<{ email: string; id: number }> {
  return registerAccount(on, { label: 'login', password });
}

function login(email: string, password: string, on: TestServer = server): Promise<RawResponse> {
  return postJson(on.url, LOGIN, { email, password });
}

describe('POST /api/v1/users/login with JSON', () => {
  it('answers 200 with a bearer token, its lifetime and Cache-Control: no-store', async () => {
    const { email, id } = await registered();
    const { data, response } = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    if (!data) throw new Error('no body');
    expect(data.token_type).toBe('bearer');
    expect(data.expires_in).toBe(server.config.jwt.accessTokenTtlSeconds);
    expect(data.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = payloadOf(data.access_token);
    expect(claims).toMatchObject({ sub: String(id), iss: 'authapi', aud: 'authapi' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(data.expires_in);

    const me = await server.client.GET('/api/v1/users/me', { headers: bearer(data.access_token) });
    expect(me.data).toMatchObject({ id, email });
  });

  it('matches the email case-insensitively (ALICE@X.COM logs in alice@x.com)', async () => {
    const { email } = await registered();
    expect((await login(email.toUpperCase(), GOOD_PASSWORD)).status).toBe(200);
  });

  it('ignores whitespace around the email, as the contract says emails are compared trimmed', async () => {
    const { email } = await registered();
    const response = await login(`  ${email.toUpperCase()} `, GOOD_PASSWORD);
    expect(response.status, response.text).toBe(200);
  });

  it('gives a wrong password and an unknown email the identical 401', async () => {
    const { email } = await registered();
    const wrongPassword = await login(email, 'not the password');
    const unknownEmail = await login(uniqueEmail('nobody'), GOOD_PASSWORD);
    expectProblem(wrongPassword, 401, 'invalid_credentials');
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.text).toBe(wrongPassword.text);
    expect(unknownEmail.headers.get('www-authenticate')).toBe(wrongPassword.headers.get('www-authenticate'));
    expect(unknownEmail.headers.get('content-type')).toBe(wrongPassword.headers.get('content-type'));
  });

  it('does not let a lone surrogate stand in for U+FFFD in a password', async () => {
    // A lone surrogate cannot be encoded as UTF-8; encoders substitute U+FFFD, so both would hash alike.
    const password = '\ufffdabcdefgh';
    const { email } = await registered(password);
    expect((await login(email, password)).status).toBe(200);
    const response = await postJson(server.url, LOGIN, `{"email":"${email}","password":"\\ud800abcdefgh"}`);
    expect([401, 422], response.text).toContain(response.status);
  });
});

describe('POST /api/v1/users/login as an OAuth2 password grant form', () => {
  it('accepts username, password and grant_type=password', async () => {
    const { email } = await registered();
    const response = await postForm(server.url, LOGIN, { username: email, password: GOOD_PASSWORD, grant_type: 'password' });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
  });

  it('accepts and ignores empty scope and client_id, as Swagger UI sends them', async () => {
    const { email } = await registered();
    const response = await postForm(server.url, LOGIN, {
      grant_type: 'password',
      username: ` ${email.toUpperCase()} `,
      password: GOOD_PASSWORD,
      scope: '',
      client_id: '',
    });
    expect(response.status, response.text).toBe(200);
  });

  it('rejects grant_type=client_credentials with 422', async () => {
    const { email } = await registered();
    const response = await postForm(server.url, LOGIN, { username: email, password: GOOD_PASSWORD, grant_type: 'client_credentials' });
    const problem = expectProblem(response, 422, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['/body/grant_type']);
  });

  it('gives a wrong password the same 401 as JSON does', async () => {
    const { email } = await registered();
    const form = await postForm(server.url, LOGIN, { username: email, password: 'nope', grant_type: 'password' });
    const json = await login(email, 'nope');
    expectProblem(form, 401, 'invalid_credentials');
    expect(form.text).toBe(json.text);
  });
});

describe('every character of a long password counts (bcrypt alone reads only 72 bytes)', () => {
  it('refuses the first 72 ASCII characters of a 100-character password, with or without another tail', async () => {
    const password = Array.from({ length: 100 }, (_, i) => String.fromCharCode(33 + (i % 90))).join('');
    const { email } = await registered(password);
    expect((await login(email, password)).status).toBe(200);
    expectProblem(await login(email, password.slice(0, 72)), 401, 'invalid_credentials');
    expectProblem(await login(email, password.slice(0, 72) + 'x'.repeat(28)), 401, 'invalid_credentials');
    expectProblem(await login(email, password.slice(0, 99) + '!'), 401, 'invalid_credentials');
  });

  it('refuses multi-byte passwords that share their first 72 UTF-8 bytes', async () => {
    const prefix = 'é'.repeat(30); // 60 bytes
    const password = `${prefix}abcdefghijkl-tail-one`; // the first 72 bytes end after "l"
    expect(Buffer.byteLength(password.slice(0, 42))).toBe(72);
    const { email } = await registered(password);
    expect((await login(email, password)).status).toBe(200);
    for (const variant of [`${prefix}abcdefghijkl`, `${prefix}abcdefghijkl-tail-two`, `${'é'.repeat(36)}-tail-one`]) {
      expectProblem(await login(email, variant), 401, 'invalid_credentials');
    }
  });

  it('refuses 36 "é" (exactly 72 bytes) followed by a different tail', async () => {
    const password = `${'é'.repeat(36)}first`;
    const { email } = await registered(password);
    expect((await login(email, password)).status).toBe(200);
    expectProblem(await login(email, `${'é'.repeat(36)}other`), 401, 'invalid_credentials');
  });
});

describe('an unknown email costs the same bcrypt work as a wrong password', () => {
  let slow: TestServer;
  beforeAll(async () => {
    // Cost 8 makes one bcrypt comparison take milliseconds, far above the rest of a login.
    slow = await startTestServer({ ...UNTHROTTLED, BCRYPT_ROUNDS: '8' });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  async function durationMs(email: string): Promise<number> {
    const started = performance.now();
    const response = await login(email, 'wrong password', slow);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(401);
    return elapsed;
  }

  it('takes at least half as long for an unknown email as for a wrong password', async () => {
    const { email } = await registered(GOOD_PASSWORD, slow);
    await durationMs(email);
    await durationMs(uniqueEmail('warmup'));
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      wrong.push(await durationMs(email));
      unknown.push(await durationMs(uniqueEmail('unknown')));
    }
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(unknown), `unknown ${mean(unknown).toFixed(1)} ms vs wrong ${mean(wrong).toFixed(1)} ms`).toBeGreaterThan(0.5 * mean(wrong));
  });
});

describe('login refuses what is not a login', () => {
  it('rejects an unknown JSON field with 422', async () => {
    const { email } = await registered();
    const response = await postJson(server.url, LOGIN, { email, password: GOOD_PASSWORD, grant_type: 'password' });
    expectProblem(response, 422, 'validation_failed');
  });

  it('does not create accounts: an unregistered email cannot log in after a failed register', async () => {
    const email = uniqueEmail('nope');
    expect((await postJson(server.url, REGISTER, { email, password: 'short' })).status).toBe(422);
    expectProblem(await login(email, 'short'), 401, 'invalid_credentials');
    expect((await send(server.url, LOGIN, { method: 'GET' })).status).toBe(405);
  });
});
