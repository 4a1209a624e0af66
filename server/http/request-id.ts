import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { AppState } from './state.js';

// A caller's id is reused only when it cannot smuggle anything into a log line.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Tags the request with an id (the caller's X-Request-Id when sane) and echoes it back. */
export function requestId(): Middleware<AppState> {
  return async function requestId(ctx, next) {
    const offered = ctx.get('X-Request-Id');
    ctx.state.requestId = SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}
