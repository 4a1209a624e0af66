import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const LIMIT = 3;
const WINDOW = 600;

let server: TestServer;
beforeAll(async () => {
  // Behind one trusted proxy, so each test can speak from an address of its own.
  server = await startTestServer({ REGISTER_IP_LIMIT: String(LIMIT), REGISTER_IP_WINDOW_SECONDS: String(WINDOW), TRUST_PROXY: '1' });
});
afterAll(async () => {
  await server?.stop();
});

function register(address: string, email = uniqueEmail('reg'), password = GOOD_PASSWORD) {
  return server.client.POST('/api/v1/users/register', { body: { email, password }, headers: { 'X-Forwarded-For': address } });
}

describe('registration is throttled per address (REGISTER_IP_LIMIT per REGISTER_IP_WINDOW_SECONDS)', () => {
  it('every attempt counts, taken or not, then 429 too_many_registrations with Retry-After', async () => {
    const address = '198.51.100.10';
    const first = await register(address);
    expect(first.response.status).toBe(201);
    // A 409 still costs a hash and tells that the email exists: it counts.
    expect((await register(address, first.data?.email)).response.status).toBe(409);
    expect((await register(address, uniqueEmail(), 'password1234567')).response.status).toBe(422);
    const refused = await register(address);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.error?.code).toBe('too_many_registrations');
    const retryAfter = Number(refused.response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);
  });

  it('another address is not affected, and logins from a throttled address still work', async () => {
    const address = '198.51.100.20';
    const email = uniqueEmail('reg');
    expect((await register(address, email)).response.status).toBe(201);
    for (let i = 1; i < LIMIT; i += 1) await register(address);
    expect((await register(address)).response.status).toBe(429);
    expect((await register('198.51.100.21')).response.status).toBe(201);
    const login = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD }, headers: { 'X-Forwarded-For': address } });
    expect(login.response.status).toBe(200);
  });
});
