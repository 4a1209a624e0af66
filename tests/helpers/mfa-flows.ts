import { expect } from 'vitest';
import { bearer, registerAndLogin, type AccountOptions, type TestServer } from './server.js';
import type { TestClock } from './clock.js';
import { codeAt, TOTP_STEP_MS } from './totp.js';

/**
 * A fresh account with a confirmed authenticator app, through the API: enrol with the password, confirm with a
 * code computed from the returned secret. The clock then moves one step on, so the test's next code is not the
 * confirming step's (which is spent).
 */
export async function registerWithSecondFactor(server: TestServer, clock: TestClock, options: AccountOptions = {}) {
  const account = await registerAndLogin(server, options);
  const enrolled = await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(account.token), body: { password: account.password } });
  if (!enrolled.data) throw new Error(`enrolment failed: ${enrolled.response.status}`);
  const confirmed = await server.client.POST('/api/v1/users/me/mfa/totp/confirm', {
    headers: bearer(account.token),
    body: { code: await codeAt(enrolled.data.secret, clock) },
  });
  if (!confirmed.data) throw new Error(`confirmation failed: ${confirmed.response.status}`);
  clock.advance(TOTP_STEP_MS);
  return { ...account, secret: enrolled.data.secret, recoveryCodes: confirmed.data.recovery_codes };
}

/** Login's first step on a protected account: the 401 `mfa_required` and its `mfa_token`. */
export async function passwordStep(server: TestServer, email: string, password: string): Promise<string> {
  const first = await server.client.POST('/api/v1/users/login', { body: { email, password } });
  expect(first.response.status).toBe(401);
  expect(first.error?.code).toBe('mfa_required');
  const token = first.error?.mfa_token;
  if (typeof token !== 'string') throw new Error('no mfa_token in the mfa_required problem');
  return token;
}
