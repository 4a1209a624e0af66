import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import type { AppState } from './state.js';

/**
 * Makes `ctx.ip` an IP address, whatever X-Forwarded-For says. With TRUST_PROXY, Koa takes the entries the
 * trusted hops added, as text: a client talking to the app directly could write `<script>` there, and it was
 * stored as a session's address. An entry that is not an IP is skipped for the next one nearer to us (added by
 * a proxy we trust), else the connection's own address is used. The first such entry is logged, once: after that
 * it is noise a client controls.
 */
export function clientAddress(logger: Logger): Middleware<AppState> {
  let reported = false;
  return async function clientAddress(ctx, next) {
    const forwarded = ctx.request.ips;
    if (forwarded.length > 0 && isIP(forwarded[0] ?? '') === 0) {
      if (!reported) {
        reported = true;
        const entry = (forwarded.find((value) => isIP(value) === 0) ?? '').slice(0, 64);
        logger.warn({ requestId: ctx.state.requestId, entry }, 'X-Forwarded-For holds an entry that is not an IP address; it is ignored (logged once)');
      }
      ctx.request.ip = forwarded.find((value) => isIP(value) !== 0) ?? ctx.req.socket.remoteAddress ?? '';
    }
    await next();
  };
}
