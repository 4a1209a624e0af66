import Router from '@koa/router';
import { listOperations, type OpenApiDocument } from '../api-spec.js';
import type { AppState, Handler, OperationHandlers } from './state.js';

/**
 * Binds each operation of the spec to the handler of the same operationId.
 * Refuses to start when the two disagree, so an operation can never be
 * documented but unserved, or served but undocumented.
 */
export function createRouter(document: OpenApiDocument, handlers: OperationHandlers): Router<AppState> {
  const router = new Router<AppState>();
  const operations = listOperations(document);
  const byId = new Map<string, Handler>(Object.entries(handlers));

  const unhandled = operations.filter((operation) => !byId.has(operation.operationId)).map((o) => o.operationId);
  const undocumented = [...byId.keys()].filter((id) => !operations.some((operation) => operation.operationId === id));
  if (unhandled.length > 0 || undocumented.length > 0) {
    throw new Error(
      [
        unhandled.length > 0 ? `operations without a handler: ${unhandled.join(', ')}` : '',
        undocumented.length > 0 ? `handlers without an operation: ${undocumented.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }

  for (const { operationId, method, path } of operations) {
    const handler = byId.get(operationId);
    if (!handler) continue;
    router.register(toRouterPath(path), [method.toUpperCase()], handler, { name: operationId });
  }
  return router;
}

/** `/users/{id}` → `/users/:id` */
function toRouterPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}
