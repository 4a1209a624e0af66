import { RequestContext } from '@mikro-orm/core';
import type { Middleware } from 'koa';
import type { Orm } from '../db/orm.js';

/** Gives each request its own identity map, so no entity leaks between users. */
export function requestContext(orm: Orm): Middleware {
  return function requestContext(_ctx, next) {
    return RequestContext.create(orm.em, next);
  };
}
