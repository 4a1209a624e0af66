import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

// A body whose schema is a oneOf (a code from the app, or a recovery code) is told what is wrong with the fields it
// sent, not also why it does not fit the other alternative (the account page shows errors[] under each field).
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

const MFA_TOKEN = `mfa_${'x'.repeat(43)}`;
const secondStep = (body: Record<string, string>) =>
  fetch(`${server.url}/api/v1/users/login/mfa`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (response) => ({ status: response.status, problem: (await response.json()) as { code: string; errors: { path: string; message: string }[] } }),
  );

it('a malformed code is reported alone, without the recovery-code alternative\'s complaints', async () => {
  const { status, problem } = await secondStep({ mfa_token: MFA_TOKEN, code: '12' });
  expect(status).toBe(422);
  expect(problem.code).toBe('validation_failed');
  expect(problem.errors).toEqual([{ path: '/body/code', message: 'must match pattern "^[0-9]{6}$"' }]);
});

it('a malformed recovery code likewise', async () => {
  const { problem } = await secondStep({ mfa_token: MFA_TOKEN, recovery_code: '!' });
  expect(problem.errors).toHaveLength(1);
  expect(problem.errors[0]?.path).toBe('/body/recovery_code');
  expect(problem.errors[0]?.message).toMatch(/^must match pattern/);
});

it('a body that chose no alternative still hears of both, and of the oneOf', async () => {
  const neither = await secondStep({ mfa_token: MFA_TOKEN });
  expect(neither.problem.errors.map((error) => error.path).sort()).toEqual(['/body', '/body/code', '/body/recovery_code']);
  const both = await secondStep({ mfa_token: MFA_TOKEN, code: '123456', recovery_code: 'abcd-efgh' });
  expect(both.problem.errors).toContainEqual({ path: '/body', message: 'must match exactly one schema in oneOf' });
});

it('a field every alternative requires is reported once, beside the value error', async () => {
  const { problem } = await secondStep({ code: '12' });
  expect(problem.errors).toHaveLength(2);
  expect(problem.errors).toContainEqual({ path: '/body/code', message: 'must match pattern "^[0-9]{6}$"' });
  expect(problem.errors).toContainEqual({ path: '/body/mfa_token', message: "must have required property 'mfa_token'" });
});
