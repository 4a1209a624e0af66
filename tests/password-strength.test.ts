import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAdmin } from './helpers/manage.js';
import { bearer, GOOD_PASSWORD, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

/** Each was accepted before zxcvbn scoring: only exact entries of the common-password list were refused. */
const WEAK = ['password1234567', 'password12345678', 'Password1234567'];

let server: TestServer;
let admin: Awaited<ReturnType<typeof registerAndLogin>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await registerAndLogin(server, { label: 'admin' });
  await makeAdmin(server, admin.email);
});
afterAll(async () => {
  await server?.stop();
});

type Refusal = { response: Response; error?: { code: string; errors?: { path: string; message: string }[]; feedback?: { score: number; warning: string | null; suggestions: string[] } } };

function expectWeak(result: Refusal, path: string): void {
  expect(result.response.status).toBe(422);
  expect(result.error?.code).toBe('weak_password');
  expect(result.error?.errors?.map((error) => error.path)).toEqual([path]);
  const feedback = result.error?.feedback;
  expect(feedback?.score).toBeLessThan(3);
  // zxcvbn says why, as keys a client can translate.
  expect(feedback?.warning ?? feedback?.suggestions[0]).toMatch(/^[a-z][A-Za-z]+$/);
}

describe('weak passwords are refused wherever a password is set (PASSWORD_MIN_SCORE=3)', () => {
  it.each(WEAK)('registration refuses %s with zxcvbn feedback', async (password) => {
    const result = await server.client.POST('/api/v1/users/register', { body: { email: uniqueEmail('weak'), password } });
    expectWeak(result, '/body/password');
  });

  it.each(WEAK)('a password change refuses %s and the old password still works', async (password) => {
    const account = await registerAndLogin(server);
    const result = await server.client.POST('/api/v1/users/me/password', {
      headers: bearer(account.token),
      body: { current_password: account.password, new_password: password },
    });
    expectWeak(result, '/body/new_password');
    expect((await server.client.POST('/api/v1/users/login', { body: { email: account.email, password: account.password } })).response.status).toBe(200);
  });

  it.each(WEAK)('an admin creating an account or setting a password is held to the same policy (%s)', async (password) => {
    expectWeak(await server.client.POST('/api/v1/admin/users', { headers: bearer(admin.token), body: { email: uniqueEmail('made'), password } }), '/body/password');
    const target = await registerAndLogin(server);
    expectWeak(
      await server.client.POST('/api/v1/admin/users/{userId}/password', { params: { path: { userId: target.user.id } }, headers: bearer(admin.token), body: { password } }),
      '/body/password',
    );
  });

  it("the account's own email and name count as guessable words", async () => {
    const email = uniqueEmail('mallory');
    const [local = ''] = email.split('@');
    expectWeak(await server.client.POST('/api/v1/users/register', { body: { email, password: `${local}1` } }), '/body/password');
    expectWeak(await server.client.POST('/api/v1/users/register', { body: { email: uniqueEmail(), password: 'Quentin Zabriskie', full_name: 'Quentin Zabriskie' } }), '/body/password');
  });

  it("the FastAPI tutorial's and the README's passwords still pass at the default score", async () => {
    // The tutorial registers test@example.com / "Test User" with MyStrongPass123; the README uses GOOD_PASSWORD.
    const tutorial = await server.client.POST('/api/v1/users/register', {
      body: { email: `test-${Date.now()}@example.com`, password: 'MyStrongPass123', full_name: 'Test User' },
    });
    expect(tutorial.response.status).toBe(201);
    const readme = await server.client.POST('/api/v1/users/register', { body: { email: uniqueEmail('readme'), password: GOOD_PASSWORD } });
    expect(readme.response.status).toBe(201);
  });
});

describe('PASSWORD_MIN_SCORE', () => {
  let lenient: TestServer;
  beforeAll(async () => {
    lenient = await startTestServer({ PASSWORD_MIN_SCORE: '1' });
  });
  afterAll(async () => {
    await lenient?.stop();
  });

  it('sets the score a password needs', async () => {
    const { response } = await lenient.client.POST('/api/v1/users/register', { body: { email: uniqueEmail('lenient'), password: 'password1234567' } });
    expect(response.status).toBe(201);
    const common = await lenient.client.POST('/api/v1/users/register', { body: { email: uniqueEmail('lenient'), password: 'password' } });
    expect(common.error?.code).toBe('weak_password');
  });
});
