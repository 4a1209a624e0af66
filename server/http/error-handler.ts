import type { Middleware } from 'koa';
import { AppError, internalError, malformedBody, notFound, requestRejected } from '../errors.js';
import type { AppState } from './state.js';

/**
 * The first middleware: the one place where any error becomes an RFC 9457
 * problem. Only AppErrors say anything specific; everything else is a bare
 * 500 whose cause goes to the log, never to the client.
 */
export function errorHandler(): Middleware<AppState> {
  return async function errorHandler(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound();
    } catch (caught) {
      const error = toAppError(caught);
      if (error.status >= 500) ctx.app.emit('error', caught, ctx);
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.type = 'application/problem+json';
      ctx.body = error.toProblem();
    }
  };
}

/** Errors raised before our code runs (body parsing) carry an HTTP status; give each a stable code. */
function toAppError(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  const status = statusOf(caught);
  switch (status) {
    case 400:
      return malformedBody();
    case 413:
    case 415:
      return requestRejected(status);
    default:
      return internalError(caught);
  }
}

function statusOf(caught: unknown): number | undefined {
  if (typeof caught !== 'object' || caught === null) return undefined;
  // A corrupt gzip/deflate/br body fails inside zlib, which knows nothing of HTTP.
  // Brotli's codes are `ERR__ERROR_…` (tests/fuzz: `Content-Encoding: br` on a plain body gave a 500).
  if ('code' in caught && typeof caught.code === 'string' && /^(?:Z_|ERR__ERROR_)/.test(caught.code)) return 400;
  if (!('status' in caught)) return undefined;
  return typeof caught.status === 'number' ? caught.status : undefined;
}
