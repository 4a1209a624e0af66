import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from '@mikro-orm/knex';

interface RequestScope {
  /** This request's fork of each ORM's root EntityManager, made the first time the request uses that ORM. */
  forks: Map<EntityManager, EntityManager>;
  /** Set while a fork is being built: its constructor asks for the context too, and must get itself. */
  forking: boolean;
}

const scopes = new AsyncLocalStorage<RequestScope>();

/**
 * Runs one request in a scope of its own: the same isolation as MikroORM's `RequestContext.create` (each request
 * its own identity map, so no entity leaks between users), except that the EntityManager is forked only when the
 * request first touches the ORM. Most requests never do: `GET /me` and every token check read through the
 * session lookup, and forking was 5 % of their CPU (bench/FINDINGS.md).
 */
export function runInRequestScope<T>(work: () => T): T {
  return scopes.run({ forks: new Map(), forking: false }, work);
}

/**
 * What `root` stands for inside the current request (MikroORM's `context` option, set in db/orm.ts); undefined
 * outside a request, where MikroORM then refuses the global EntityManager (`allowGlobalContext: false`).
 */
export function requestEntityManager(root: EntityManager): EntityManager | undefined {
  const scope = scopes.getStore();
  if (!scope || scope.forking) return undefined;
  let em = scope.forks.get(root);
  if (!em) {
    scope.forking = true;
    try {
      // disableContextResolution: fork the root itself rather than asking the context (this function) again.
      em = root.fork({ useContext: true, disableContextResolution: true });
    } finally {
      scope.forking = false;
    }
    scope.forks.set(root, em);
  }
  return em;
}
