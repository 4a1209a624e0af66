import type { AppContext } from './state.js';

/** Who is on the other end of a request, as far as the server can tell. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/**
 * The client's address and user agent, for sessions, throttling and audit.
 * `ctx.ip` honours X-Forwarded-For only when TRUST_PROXY is set (see app.ts).
 */
export function clientInfo(ctx: AppContext): ClientInfo {
  const userAgent = ctx.get('User-Agent');
  return {
    ip: ctx.ip ? ctx.ip.slice(0, 64) : null,
    userAgent: userAgent ? userAgent.slice(0, 512) : null,
  };
}
