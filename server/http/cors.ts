import koaCors from '@koa/cors';
import type { Middleware } from 'koa';

/**
 * CORS for the origins in CORS_ORIGINS, and no one else: a listed origin gets its own origin echoed (never `*`)
 * with credentials allowed, so a browser app there can send the refresh cookie; any other origin gets no CORS
 * header, and the browser keeps the answer from it. `Vary: Origin` is always set, so a cache never hands one
 * origin's answer to another.
 */
export function cors(allowedOrigins: string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return koaCors({
    origin: (ctx) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    credentials: true,
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    // What the API reads: the token, JSON bodies, request ids, and cookie mode's switch (which a form cannot send).
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Token-Transport'],
    // What a browser app may read besides the safelisted headers: the request id for support, when to retry,
    // why a token was refused, and what a path allows.
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Allow'],
    maxAge: 600,
  });
}
