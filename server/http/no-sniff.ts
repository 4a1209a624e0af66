import type { Middleware } from 'koa';

/**
 * `X-Content-Type-Options: nosniff` on every response, errors and 404s included: a browser must never read a JSON
 * or problem document as HTML or script because its bytes look like it.
 */
export function noSniff(): Middleware {
  return async function noSniff(ctx, next) {
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  };
}
