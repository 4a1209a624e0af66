import type { ClientInfo } from '../features/audit/audit-log.js';
import type { AppContext } from './state.js';

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
