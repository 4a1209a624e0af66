import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { asTokenPair, bearer, type TestServer } from './server.js';

/** base64url of 32 random bytes is 43 characters: 256 bits. */
export const OPAQUE_256_BITS = /^[A-Za-z0-9_-]{43,}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function login(server: TestServer, email: string, password: string, headers: Record<string, string> = {}) {
  return server.client.POST('/api/v1/users/login', { body: { email, password }, headers });
}

/** Logs in and returns the token pair; fails the test's setup when the server refuses. */
export async function loginTokens(server: TestServer, email: string, password: string, headers: Record<string, string> = {}) {
  const { data, response } = await login(server, email, password, headers);
  if (!data) throw new Error(`login of ${email} failed: ${response.status}`);
  return asTokenPair(data);
}

/** Spends a refresh token; `undefined` (a response that carried none) fails the test. */
export function refresh(server: TestServer, refreshToken: string | undefined, headers: Record<string, string> = {}) {
  if (refreshToken === undefined) throw new Error('no refresh token to send: the token response had none in its body');
  return server.client.POST('/api/v1/users/refresh', { body: { refresh_token: refreshToken }, headers });
}

/** What GET /me answers to this access token: 200 while its session stands, 401 once it is gone. */
export async function meStatus(server: TestServer, accessToken: string): Promise<number> {
  const { response } = await server.client.GET('/api/v1/users/me', { headers: bearer(accessToken) });
  return response.status;
}

/** What a refresh with this token answers, and the problem's code when refused. */
export async function refreshOutcome(server: TestServer, refreshToken: string | undefined): Promise<{ status: number; code?: string }> {
  const { error, response } = await refresh(server, refreshToken);
  return { status: response.status, code: error?.code };
}

/** The live sessions of an account, as another of its sessions sees them through the API. */
export async function sessionIds(server: TestServer, accessToken: string): Promise<string[]> {
  const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(accessToken) });
  if (!data) throw new Error('could not list sessions');
  return data.items.map((session) => session.id);
}

export function decodeAccessToken(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object') throw new Error('not a JWT with a JSON payload');
  return { header: { ...decoded.header }, payload: { ...decoded.payload } };
}

/** The session id (`sid`) an access token was issued from. */
export function sessionIdOf(accessToken: string): string {
  const { sid } = decodeAccessToken(accessToken).payload;
  if (typeof sid !== 'string') throw new Error('access token without sid');
  return sid;
}

/**
 * A request the typed client would not let us write (a body or query outside
 * the contract), sent as any client could. `problem` is the parsed JSON body
 * when there is one.
 */
export async function sendRaw(
  server: TestServer,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; problem: { code?: unknown; [key: string]: unknown } }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  return { status: response.status, problem: typeof parsed === 'object' && parsed !== null ? { ...parsed } : {} };
}
