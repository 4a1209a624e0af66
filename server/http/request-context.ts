import type { Middleware } from 'koa';
import { runInRequestScope } from '../db/request-scope.js';

/** Gives each request its own identity map, so no entity leaks between users (see db/request-scope.ts). */
export function requestContext(): Middleware {
  return function requestContext(_ctx, next) {
    return runInRequestScope(next);
  };
}
