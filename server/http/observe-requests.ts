import type { Middleware } from 'koa';
import { problemCodeValues } from '../../generated/openapi.js';
import type { ProblemCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AppState } from './state.js';

/**
 * One access-log line and one histogram sample per request, plus the
 * login/refresh outcome counters, all read from what the response became
 * (status and problem `code`), so services stay free of instrumentation.
 *
 * The path is logged without its query string and no header is logged at
 * all, so a token sent the wrong way never lands in a log.
 */
export function observeRequests(logger: Logger, metrics: Metrics | undefined): Middleware<AppState> {
  return async function observeRequests(ctx, next) {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const operation = ctx.state.operationId;
      if (metrics) {
        metrics.requestDuration.observe({ operation: operation ?? 'none', method: ctx.method, status: ctx.status }, seconds);
        countOutcome(metrics, operation, ctx.status, problemCode(ctx.body));
      }
      logger.info(
        {
          requestId: ctx.state.requestId,
          method: ctx.method,
          path: ctx.path.length > 200 ? ctx.path.slice(0, 200) + '…' : ctx.path,
          operationId: operation,
          status: ctx.status,
          durationMs: Math.round(seconds * 1e5) / 100,
        },
        'request',
      );
    }
  };
}

function countOutcome(metrics: Metrics, operation: string | undefined, status: number, code: ProblemCode | undefined): void {
  if (operation === 'login') {
    const outcome = status === 200 ? 'ok' : status === 429 ? 'throttled' : status === 401 ? 'failed' : undefined;
    if (outcome) metrics.logins.inc({ outcome });
  } else if (operation === 'refreshTokens') {
    const outcome = status === 200 ? 'ok' : code === 'refresh_token_reused' ? 'reused' : status === 401 ? 'invalid' : undefined;
    if (outcome) metrics.refreshes.inc({ outcome });
  }
}

function problemCode(body: unknown): ProblemCode | undefined {
  if (typeof body !== 'object' || body === null || !('code' in body)) return undefined;
  return problemCodeValues.find((code) => code === body.code);
}
