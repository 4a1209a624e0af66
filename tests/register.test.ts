import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from './helpers/db.js';
import { expectNoLeak, expectProblem, postJson, type RawResponse } from './helpers/http.js';
import { GOOD_PASSWORD, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import { schemaProperties } from './helpers/spec.js';
import { UNTHROTTLED } from './helpers/unthrottled.js';

const REGISTER = '/api/v1/users/register';
const LOGIN = '/api/v1/users/login';

let server: TestServer;
beforeAll(async () => {
  // Strength scoring has its own file (password-strength.test.ts); here an 8-character or repeated password
  // must be judged on its length and text alone (zxcvbn never scores 8 characters at 3).
  server = await startTestServer({ ...UNTHROTTLED, PASSWORD_MIN_SCORE: '0' });
});
afterAll(async () => {
  await server?.stop();
});

function register(body: unknown): Promise<RawResponse> {
  return postJson(server.url, REGISTER, body);
}

function login(email: string, password: string): Promise<RawResponse> {
  return postJson(server.url, LOGIN, { email, password });
}

/** The emails stored for this address in any letter case, read with SQL rather than through the API. */
async function storedEmails(email: string): Promise<unknown[]> {
  const rows = await selectRows(server, 'select email from users where lower(email) = lower(?)', [email]);
  return rows.map((row) => row.email);
}

function fieldPaths(response: RawResponse): string[] {
  return (expectProblem(response, 422, 'validation_failed').errors ?? []).map((error) => error.path);
}

describe('POST /api/v1/users/register', () => {
  it('answers 201 with exactly the public fields of a new member, as the User schema lists them', async () => {
    const email = uniqueEmail('shape');
    const { data, error, response } = await server.client.POST('/api/v1/users/register', {
      body: { email, password: GOOD_PASSWORD },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    if (!data) throw new Error('no body');
    expect(Object.keys(data).sort()).toEqual(schemaProperties('User').sort());
    expect(Object.keys(data)).toEqual(expect.arrayContaining(['id', 'email', 'full_name', 'role', 'created_at']));
    expect(Object.keys(data).filter((key) => /pass|hash|secret|salt/i.test(key))).toEqual([]);
    expect(Number.isInteger(data.id) && data.id >= 1).toBe(true);
    expect(data.email).toBe(email);
    expect(data.full_name).toBeNull();
    expect(data.role).toBe('member');
    expect(new Date(data.created_at).toISOString()).toBe(data.created_at);
    expect(Math.abs(Date.parse(data.created_at) - Date.now())).toBeLessThan(60_000);
  });

  it('returns full_name as given and never anything that looks like a password or hash', async () => {
    const response = await register({ email: uniqueEmail('named'), password: GOOD_PASSWORD, full_name: 'Zoë Example' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ full_name: 'Zoë Example' });
    expect(response.text).not.toMatch(/password|hash|\$2[aby]\$/i);
    expect(response.text).not.toContain(GOOD_PASSWORD);
  });

  it('stores the email lower-cased, so Alice@X.com after alice@x.com is taken (409 email_taken)', async () => {
    const lower = uniqueEmail('alice').toLowerCase();
    const [local = '', domain = ''] = lower.split('@');
    const mixed = `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
    expect(mixed).not.toBe(lower);

    expect((await register({ email: lower, password: GOOD_PASSWORD })).status).toBe(201);
    const second = await register({ email: mixed, password: 'another password 2' });
    expectProblem(second, 409, 'email_taken');
    expectNoLeak(second);
    expect(await storedEmails(lower)).toEqual([lower]);
  });

  it('lower-cases a mixed-case email before storing it', async () => {
    const mixed = uniqueEmail('MiXeD-Case').replace('example.com', 'Example.COM');
    const response = await register({ email: mixed, password: GOOD_PASSWORD });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ email: mixed.toLowerCase() });
    expect(await storedEmails(mixed)).toEqual([mixed.toLowerCase()]);
  });

  it('gives exactly one 201 and nineteen 409s for 20 parallel registrations of one email', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => register({ email: i % 2 === 0 ? email : email.toUpperCase(), password: `${GOOD_PASSWORD} ${i}` })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    for (const response of responses.filter((r) => r.status === 409)) expectProblem(response, 409, 'email_taken');
    expect(await storedEmails(email)).toEqual([email.toLowerCase()]);
  });

  it.each([
    ['role', { role: 'admin' }],
    ['id', { id: 1 }],
    ['is_active', { is_active: true }],
  ])('rejects the unknown field %s with 422 and creates no account', async (field, extra) => {
    const email = uniqueEmail(`extra-${field}`);
    const rejected = await register({ email, password: GOOD_PASSWORD, ...extra });
    expect(fieldPaths(rejected)).toContain(`/body/${field}`);
    expect(await storedEmails(email)).toEqual([]);
    expectProblem(await login(email, GOOD_PASSWORD), 401, 'invalid_credentials');

    const proper = await register({ email, password: GOOD_PASSWORD });
    expect(proper.status).toBe(201);
    expect(proper.body).toMatchObject({ email, role: 'member' });
  });

  describe('password length', () => {
    it('rejects 7 characters with 422 at /body/password and accepts 8', async () => {
      const email = uniqueEmail('short');
      expect(fieldPaths(await register({ email, password: 'kq8#Lm2' }))).toEqual(['/body/password']);
      expect((await register({ email, password: 'kq8#Lm2x' })).status).toBe(201);
    });

    it('accepts 1024 characters (and that password logs in) but rejects 1025', async () => {
      const email = uniqueEmail('long');
      expect(fieldPaths(await register({ email, password: 'p'.repeat(1025) }))).toEqual(['/body/password']);
      expect((await register({ email, password: 'p'.repeat(1024) })).status).toBe(201);
      expect((await login(email, 'p'.repeat(1024))).status).toBe(200);
    });

    it('answers a 5000-character password with 422, not 500', async () => {
      const response = await register({ email: uniqueEmail('huge'), password: 'x'.repeat(5000) });
      expect(fieldPaths(response)).toEqual(['/body/password']);
      expectNoLeak(response);
    });
  });

  describe('password text', () => {
    it('keeps a NUL byte and everything after it: a different tail after the NUL does not log in', async () => {
      const email = uniqueEmail('nul');
      const password = 'before-nul\u0000after-nul-1';
      expect((await register({ email, password })).status).toBe(201);
      expect((await login(email, password)).status).toBe(200);
      expectProblem(await login(email, 'before-nul\u0000after-nul-2'), 401, 'invalid_credentials');
      expectProblem(await login(email, 'before-nul'), 401, 'invalid_credentials');
    });

    it.each([
      ['full-width letters and digits', 'ｑｕｉｅｔ ｍｏｏｎ ７３', 'quiet moon 73'],
      ['a decomposed accent', 'cafe\u0301 cre\u0300me', 'café crème'],
      ['a ligature and a superscript', 'ﬁnal answer²', 'final answer2'],
    ])('normalises with NFKC: registered with %s, logs in with the equivalent form', async (_label, registered, equivalent) => {
      expect(registered.normalize('NFKC')).toBe(equivalent.normalize('NFKC'));
      expect(registered).not.toBe(equivalent);
      const email = uniqueEmail('nfkc');
      expect((await register({ email, password: registered })).status).toBe(201);
      expect((await login(email, equivalent)).status).toBe(200);
      expect((await login(email, registered)).status).toBe(200);
    });

    it('answers a lone surrogate (raw JSON \\ud800) with 422, not 500, and creates no account', async () => {
      const email = uniqueEmail('surrogate');
      const response = await register(`{"email":"${email}","password":"\\ud800abcdefgh"}`);
      expect(fieldPaths(response)).toEqual(['/body/password']);
      expect(await storedEmails(email)).toEqual([]);
    });
  });

  it.each([
    ['a bell', 'Alice\u0007Example'],
    ['a newline', 'Alice\nExample'],
    ['a NUL', 'Alice\u0000'],
    ['DEL', 'Alice\u007f'],
    ['NEL, a C1 control', 'Alice\u0085Example'],
    ['CSI, a C1 control', 'Alice\u009b2J'],
    ['a bidi override', 'Alice\u202eelpmaxE'],
    ['a bidi isolate', 'Alice\u2066x\u2069'],
  ])('rejects a full_name with %s (a control or bidi character) with 422', async (_label, fullName) => {
    const email = uniqueEmail('ctrl');
    expect(fieldPaths(await register({ email, password: GOOD_PASSWORD, full_name: fullName }))).toEqual(['/body/full_name']);
    expect(await storedEmails(email)).toEqual([]);
  });
});
