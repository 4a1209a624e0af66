import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import type { AppState } from './state.js';

/**
 * One line per request. The path is logged without its query string and no
 * header is logged at all, so a token sent the wrong way never lands in a log.
 */
export function accessLog(logger: Logger): Middleware<AppState> {
  return async function accessLog(ctx, next) {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          method: ctx.method,
          path: ctx.path.length > 200 ? ctx.path.slice(0, 200) + '…' : ctx.path,
          operationId: ctx.state.operationId,
          status: ctx.status,
          durationMs: Math.round(durationMs * 100) / 100,
        },
        'request',
      );
    }
  };
}
