import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens } from './helpers/auth-flows.js';
import { selectRows } from './helpers/db.js';
import { bearer, registerAccount, startTestServer, type TestServer } from './helpers/server.js';

const LOOPBACK = /^(?:127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/;

/** The address the session of a login with this X-Forwarded-For was stored with, as the API and the audit log show it. */
async function addressesAfterLogin(server: TestServer, forwardedFor: string): Promise<{ session: unknown; audit: unknown }> {
  const { email, password, id } = await registerAccount(server, { label: 'xff' });
  const tokens = await loginTokens(server, email, password, { 'X-Forwarded-For': forwardedFor });
  const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(tokens.access_token) });
  const audit = await selectRows(server, "select ip from audit_events where user_id = ? and event = 'login_succeeded'", [id]);
  return { session: data?.items[0]?.ip, audit: audit[0]?.ip };
}

function warnings(server: TestServer): number {
  return server.logs().split('\n').filter((line) => line.includes('X-Forwarded-For holds an entry that is not an IP address')).length;
}

describe('X-Forwarded-For behind one trusted proxy (TRUST_PROXY=1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stores the address the proxy added when it is an IP', async () => {
    expect(await addressesAfterLogin(server, '198.51.100.7, 203.0.113.9')).toEqual({ session: '203.0.113.9', audit: '203.0.113.9' });
    expect(await addressesAfterLogin(server, '2001:db8::5')).toEqual({ session: '2001:db8::5', audit: '2001:db8::5' });
  });

  it.each(['<script>', 'not-an-ip', '203.0.113.9:8080', '999.1.1.1', "1' or '1'='1"])(
    'never stores %s: the connection address is used instead',
    async (forged) => {
      const { session, audit } = await addressesAfterLogin(server, forged);
      expect(session).toMatch(LOOPBACK);
      expect(audit).toMatch(LOOPBACK);
    },
  );

  it('logs an entry that is not an IP once, not on every request a client sends', async () => {
    await addressesAfterLogin(server, '<img>');
    await addressesAfterLogin(server, 'nonsense');
    expect(warnings(server)).toBe(1);
  });
});

describe('X-Forwarded-For behind two trusted proxies (TRUST_PROXY=2)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '2' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('skips an entry that is not an IP for the next one a trusted proxy added', async () => {
    expect(await addressesAfterLogin(server, '198.51.100.7, <b>x</b>, 10.0.0.7')).toEqual({ session: '10.0.0.7', audit: '10.0.0.7' });
  });
});
