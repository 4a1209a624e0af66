import type { Middleware } from 'koa';
import { AppError, internalError } from '../errors.js';
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

function notFound(): AppError {
  return new AppError(404, 'not_found', 'No operation at this path.');
}

/** Errors raised before our code runs (body parsing) carry an HTTP status; give each a stable code. */
function toAppError(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  const status = statusOf(caught);
  switch (status) {
    case 400:
      // Since the parser takes any JSON value (app.ts), a 400 from it is a syntax error or a body its
      // Content-Encoding does not decode.
      return new AppError(400, 'malformed_body', 'The request body could not be read: it is not well-formed, or not encoded as its Content-Encoding says.');
    case 413:
      return new AppError(413, 'payload_too_large', 'The request body is too large.');
    case 415:
      return new AppError(415, 'unsupported_media_type', 'The request body has an unsupported content type or charset.');
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
