import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../server/config.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer, TEST_MFA_KEY } from './helpers/server.js';

const APP_ORIGIN = 'http://app.localhost:5173';
const EVIL_ORIGIN = 'http://evil.localhost:6666';
const COOKIE = 'X-Token-Transport';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: APP_ORIGIN, REFRESH_REUSE_GRACE_SECONDS: '0' });
});
afterAll(() => server?.stop());

/** The refresh cookie's value from a response's Set-Cookie headers, and each header as sent. */
function refreshCookies(response: Response): { value: string | undefined; headers: string[] } {
  const headers = response.headers.getSetCookie().filter((line) => line.startsWith('authapi_refresh='));
  const value = headers[0]?.split(';')[0]?.slice('authapi_refresh='.length);
  return { value, headers };
}

async function cookieLogin(origin = APP_ORIGIN) {
  const { email } = await registerAccount(server);
  const { data, error, response } = await server.client.POST('/api/v1/users/login', {
    body: { email, password: GOOD_PASSWORD },
    headers: { [COOKIE]: 'cookie', Origin: origin },
  });
  return { email, data, error, response, cookie: refreshCookies(response).value };
}

function cookieRefresh(cookie: string | undefined, origin = APP_ORIGIN) {
  return fetch(`${server.url}/api/v1/users/refresh`, {
    method: 'POST',
    headers: { [COOKIE]: 'cookie', Origin: origin, Cookie: `authapi_refresh=${cookie ?? ''}` },
  });
}

describe('cookie mode (X-Token-Transport: cookie)', () => {
  it('login from a listed origin sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie on the refresh and logout paths, and leaves it out of the body', async () => {
    const { data, response, cookie } = await cookieLogin();
    expect(response.status).toBe(200);
    expect(data?.access_token).toBeTypeOf('string');
    expect(data && 'refresh_token' in data).toBe(false);
    const { headers } = refreshCookies(response);
    expect(headers.map((line) => /Path=([^;]+)/.exec(line)?.[1]).sort()).toEqual(['/api/v1/users/logout', '/api/v1/users/refresh']);
    for (const line of headers) {
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; Secure/);
      expect(line).toMatch(/; SameSite=Strict/);
      expect(line).toMatch(/Max-Age=604800/);
    }
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  });

  it('JSON clients are unchanged: without the header the refresh token is in the body and no cookie is set', async () => {
    const { email } = await registerAccount(server);
    const { data, response } = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD }, headers: { Origin: APP_ORIGIN } });
    expect(data?.refresh_token).toBeTypeOf('string');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refresh reads the cookie when the body is left out, and rotates it', async () => {
    const { cookie } = await cookieLogin();
    const first = await cookieRefresh(cookie);
    expect(first.status).toBe(200);
    const body: unknown = await first.json();
    expect(body).toMatchObject({ token_type: 'bearer' });
    expect(body).not.toHaveProperty('refresh_token');
    const next = refreshCookies(first).value;
    expect(next).toBeDefined();
    expect(next).not.toBe(cookie);
    expect((await cookieRefresh(next)).status).toBe(200);
    // The spent cookie shown again (no grace window here) is reuse: the session ends.
    const reused = await cookieRefresh(cookie);
    expect(reused.status).toBe(401);
    expect(await reused.json()).toMatchObject({ code: 'refresh_token_reused' });
  });

  it('a cookie-mode request from an origin that is not listed is refused with csrf_rejected, and spends nothing', async () => {
    const { cookie } = await cookieLogin();
    const refused = await cookieRefresh(cookie, EVIL_ORIGIN);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'csrf_rejected' });
    expect(refreshCookies(refused).headers).toEqual([]);
    // The cookie was not spent: the real app can still use it.
    expect((await cookieRefresh(cookie)).status).toBe(200);
  });

  it('a cookie-mode request without an Origin is refused', async () => {
    const { cookie } = await cookieLogin();
    const refused = await fetch(`${server.url}/api/v1/users/refresh`, { method: 'POST', headers: { [COOKIE]: 'cookie', Cookie: `authapi_refresh=${cookie ?? ''}` } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'csrf_rejected' });
  });

  it('a cookie-mode login from an unlisted origin is refused before the password is checked', async () => {
    const { response, error } = await cookieLogin(EVIL_ORIGIN);
    expect(response.status).toBe(403);
    expect(error?.code).toBe('csrf_rejected');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('a cross-site form POST to refresh (the cookie rides along, the custom header cannot) is refused and spends nothing', async () => {
    const { cookie } = await cookieLogin();
    const form = await fetch(`${server.url}/api/v1/users/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: EVIL_ORIGIN, Cookie: `authapi_refresh=${cookie ?? ''}` },
      body: 'a=b',
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
    expect(refreshCookies(form).headers).toEqual([]);
    expect((await cookieRefresh(cookie)).status).toBe(200);
  });

  it('the cookie alone, without the header, is never read', async () => {
    const { cookie } = await cookieLogin();
    const plain = await fetch(`${server.url}/api/v1/users/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: APP_ORIGIN, Cookie: `authapi_refresh=${cookie ?? ''}` },
      body: '{}',
    });
    expect(plain.status).toBe(422);
    expect((await cookieRefresh(cookie)).status).toBe(200);
  });

  it('refresh in cookie mode without a cookie answers invalid_refresh_token', async () => {
    const response = await fetch(`${server.url}/api/v1/users/refresh`, { method: 'POST', headers: { [COOKIE]: 'cookie', Origin: APP_ORIGIN } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'invalid_refresh_token' });
  });

  it('logout in cookie mode ends the session and expires both cookies', async () => {
    const { data, cookie } = await cookieLogin();
    const logout = await fetch(`${server.url}/api/v1/users/logout`, {
      method: 'POST',
      headers: { ...bearer(data?.access_token ?? ''), [COOKIE]: 'cookie', Origin: APP_ORIGIN, Cookie: `authapi_refresh=${cookie ?? ''}` },
    });
    expect(logout.status).toBe(204);
    const { headers, value } = refreshCookies(logout);
    expect(headers).toHaveLength(2);
    expect(value).toBe('');
    for (const line of headers) expect(line).toMatch(/Max-Age=0/);
    expect((await cookieRefresh(cookie)).status).toBe(401);
  });

  it('a logout in cookie mode from an unlisted origin ends nothing', async () => {
    const { data, cookie } = await cookieLogin();
    const logout = await fetch(`${server.url}/api/v1/users/logout`, {
      method: 'POST',
      headers: { ...bearer(data?.access_token ?? ''), [COOKIE]: 'cookie', Origin: EVIL_ORIGIN },
    });
    expect(logout.status).toBe(403);
    expect((await cookieRefresh(cookie)).status).toBe(200);
  });

  it('the server’s own origin may use cookie mode without being listed', async () => {
    const { response } = await cookieLogin(server.url);
    expect(response.status).toBe(200);
    expect(refreshCookies(response).value).toBeDefined();
  });
});

describe('CORS', () => {
  it('answers a preflight from a listed origin for the documented methods and headers, with credentials', async () => {
    const response = await fetch(`${server.url}/api/v1/users/refresh`, {
      method: 'OPTIONS',
      headers: { Origin: APP_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, x-token-transport' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PATCH,DELETE');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-token-transport');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('gives an unlisted origin no CORS header, on preflights and on answers, but always Vary: Origin', async () => {
    const preflight = await fetch(`${server.url}/api/v1/users/refresh`, {
      method: 'OPTIONS',
      headers: { Origin: EVIL_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(`${server.url}/healthz`, { headers: { Origin: EVIL_ORIGIN } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('vary')).toContain('Origin');
  });

  it('lets a listed origin read answers and errors, with the headers a client needs exposed', async () => {
    const refused = await fetch(`${server.url}/api/v1/users/me`, { headers: { Origin: APP_ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  it('with no CORS_ORIGINS (the default) no origin is allowed', async () => {
    const plain = await startTestServer();
    try {
      const answer = await fetch(`${plain.url}/healthz`, { headers: { Origin: APP_ORIGIN } });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.stop();
    }
  });
});

describe('cookie-mode settings', () => {
  const base = { NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: 'x'.repeat(48) };
  it('refuses an origin that is not exact, and a wildcard', () => {
    for (const bad of ['https://app.example.com/', 'app.example.com', '*', 'https://app.example.com/path']) {
      expect(() => loadConfig({ ...base, CORS_ORIGINS: bad }), bad).toThrow(ConfigError);
    }
    expect(loadConfig({ ...base, CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).config.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it('production refuses REFRESH_COOKIE_SECURE=false; development allows it', () => {
    expect(() => loadConfig({ ...base, REFRESH_COOKIE_SECURE: 'false' })).toThrow(/REFRESH_COOKIE_SECURE/);
    expect(loadConfig({ NODE_ENV: 'development', REFRESH_COOKIE_SECURE: 'false' }).config.refreshCookieSecure).toBe(false);
  });
});
