import type { components } from '../../generated/openapi.js';
import { csrfRejected } from '../errors.js';
import type { AppContext } from './state.js';

type TokenResponse = components['schemas']['TokenResponse'];

/** The refresh token's cookie in cookie mode; the two paths are the only ones that read it. */
export const REFRESH_COOKIE = 'authapi_refresh';
const REFRESH_COOKIE_PATHS = ['/api/v1/users/refresh', '/api/v1/users/logout'];

export interface TokenResponseSettings {
  /** Origins besides the server's own that may use cookie mode (CORS_ORIGINS). */
  allowedOrigins: string[];
  /** Off only in development over plain http (REFRESH_COOKIE_SECURE). */
  secure: boolean;
  /** How long the browser keeps the cookie: the session's idle lifetime, renewed by each refresh. */
  maxAgeSeconds: number;
}

/**
 * The one place that answers with tokens (login, refresh, password change, and any later operation that issues a
 * pair): the no-cache headers every token response needs (RFC 6749 §5.1), and cookie mode. In cookie mode
 * (`X-Token-Transport: cookie`) the refresh token goes into an HttpOnly cookie that page scripts cannot read (an
 * XSS cannot steal a 30-day session) and is left out of the body. Because the browser sends that cookie by itself,
 * every cookie-mode request must also prove it comes from a page we trust: the custom header cannot be sent by a
 * cross-site form, and its `Origin` must be ours or a listed one (else 403 `csrf_rejected`).
 */
export class TokenResponses {
  constructor(private readonly settings: TokenResponseSettings) {}

  /** Whether the request asked for cookie mode; throws for a cookie-mode request from an untrusted origin. */
  cookieMode(ctx: AppContext): boolean {
    if (ctx.get('X-Token-Transport') !== 'cookie') return false;
    const origin = ctx.get('Origin');
    if (origin === '' || origin === 'null') throw csrfRejected('Cookie mode needs an Origin header.');
    if (origin !== `${ctx.protocol}://${ctx.host}` && !this.settings.allowedOrigins.includes(origin)) {
      throw csrfRejected('This origin may not use cookie mode; add it to CORS_ORIGINS.');
    }
    return true;
  }

  /** A 200 carrying a fresh pair, in whichever mode the request asked for. */
  issue(ctx: AppContext, tokens: TokenResponse & { refresh_token: string }): { status: 200; body: TokenResponse; headers: Record<string, string> } {
    const headers = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    if (!this.cookieMode(ctx)) return { status: 200, body: tokens, headers };
    this.setCookie(ctx, tokens.refresh_token, this.settings.maxAgeSeconds);
    return { status: 200, body: { access_token: tokens.access_token, token_type: tokens.token_type, expires_in: tokens.expires_in }, headers };
  }

  /** The refresh token from the cookie, in cookie mode only (a cross-site form cannot reach it). */
  refreshTokenFromCookie(ctx: AppContext): string | undefined {
    return this.cookieMode(ctx) ? ctx.cookies.get(REFRESH_COOKIE) || undefined : undefined;
  }

  /** Ends cookie mode in this browser: both cookies expire now. */
  clear(ctx: AppContext): void {
    if (this.cookieMode(ctx)) this.setCookie(ctx, '', 0);
  }

  private setCookie(ctx: AppContext, value: string, maxAgeSeconds: number): void {
    // Written by hand rather than with ctx.cookies.set, which refuses `Secure` on a plain-http hop (a TLS-ending
    // proxy in front, or http://localhost, which browsers treat as secure). The value is base64url: nothing to escape.
    const attributes = [`Max-Age=${maxAgeSeconds}`, 'HttpOnly', ...(this.settings.secure ? ['Secure'] : []), 'SameSite=Strict'];
    for (const path of REFRESH_COOKIE_PATHS) ctx.append('Set-Cookie', [`${REFRESH_COOKIE}=${value}`, `Path=${path}`, ...attributes].join('; '));
  }
}
