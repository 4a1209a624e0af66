import Router from '@koa/router';
import type { Middleware } from 'koa';
import { listOperations, type OpenApiDocument } from '../api-spec.js';
import type { AppContext, AppState, OperationHandlers, OperationId } from './state.js';

/**
 * Paths match as the spec writes them: `/METRICS` or `/metrics/` is not `/metrics`. A proxy rule such as nginx's
 * `location = /metrics { return 404; }` compares exactly, so a looser match here reopened what it closes.
 */
export const EXACT_PATHS = { strict: true, sensitive: true } as const;

/**
 * Binds each operation of the spec to the handler of the same operationId.
 * Refuses to start when the two disagree, so an operation can never be
 * documented but unserved, or served but undocumented.
 */
export function createRouter(document: OpenApiDocument, handlers: OperationHandlers): Router<AppState> {
  const router = new Router<AppState>(EXACT_PATHS);
  const operations = listOperations(document);
  const ids = new Set<string>(Object.keys(handlers));

  const unhandled = operations.filter((operation) => !ids.has(operation.operationId)).map((o) => o.operationId);
  const undocumented = [...ids].filter((id) => !operations.some((operation) => operation.operationId === id));
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
    if (!isOperationId(handlers, operationId)) continue;
    router.register(toRouterPath(path), [method.toUpperCase()], bind(handlers[operationId], mediaTypesOf(document, path, method)), { name: operationId });
  }
  return router;
}

/**
 * Runs a typed handler as Koa middleware. The input is built from what the OpenAPI validator has just checked
 * against exactly this operation (body, coerced query and path parameters), which is why this is the one place
 * that treats request data as the operation's types.
 */
function bind(handler: AnyHandler, mediaTypes: string[]): Middleware<AppState> {
  return async function operation(ctx: AppContext) {
    const raw = {
      // `is` answers null when there is no body, false for another type.
      mediaType: mediaTypes.find((type) => typeof ctx.request.is(type) === 'string'),
      body: ctx.request.body,
      query: ctx.state.query ?? {},
      path: ctx.state.pathParams ?? {},
    };
    // The validator has checked `raw` against this operation's schemas (see the comment above).
    const reply = await handler(raw as never, ctx);
    if (isReply(reply)) send(ctx, reply);
    else throw new Error(`the handler of ${ctx.state.operationId ?? '?'} returned no reply`);
  };
}

/**
 * Any operation's handler, as the router holds it: every `Handler<Id>` is one (its input type is wider than
 * `never`), and each is called only with the input of its own operation.
 */
type AnyHandler = (input: never, ctx: AppContext) => unknown;
type Reply = { status: number; body?: unknown; type?: unknown; headers?: Record<string, string> };

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && 'status' in value && typeof value.status === 'number';
}

function send(ctx: AppContext, reply: Reply): void {
  if (reply.headers) ctx.set(reply.headers);
  ctx.status = reply.status;
  if (reply.body !== undefined) ctx.body = reply.body;
  if (typeof reply.type === 'string' && reply.type !== 'application/json') ctx.type = reply.type;
}

function isOperationId(handlers: OperationHandlers, id: string): id is OperationId {
  return Object.hasOwn(handlers, id);
}

/** The media types an operation's request body may have, in the spec's order. */
function mediaTypesOf(document: OpenApiDocument, path: string, method: string): string[] {
  const operation = document.paths[path]?.[method];
  const body: unknown = typeof operation === 'object' && operation !== null ? Reflect.get(operation, 'requestBody') : undefined;
  const content: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'content') : undefined;
  return typeof content === 'object' && content !== null ? Object.keys(content) : [];
}

/** `/users/{id}` → `/users/:id` */
function toRouterPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}
