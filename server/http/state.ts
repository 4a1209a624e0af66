import type { Context, Middleware, ParameterizedContext } from 'koa';
// Declares ctx.request.body.
import type {} from 'koa-bodyparser';
import type { components, operations } from '../../generated/openapi.js';

/** What the middleware chain learns about a request, for the handlers after it. */
export interface AppState {
  /** Set first: the caller's sane X-Request-Id or a new one; echoed back and logged. */
  requestId?: string;
  /** Set by the OpenAPI validator once the request matched an operation. */
  operationId?: string;
  query?: Record<string, unknown>;
  /** Path parameters after the validator's coercion (an integer parameter arrives as a number). */
  pathParams?: Record<string, unknown>;
  /** The session (`sid`) of the bearer token, for operations on "this session". */
  sessionId?: string;
  /** Set by authentication on operations that require a bearer token. */
  user?: components['schemas']['User'];
}

export type AppContext = ParameterizedContext<AppState>;
export type Handler = Middleware<AppState>;
export type OperationId = keyof operations;
export type OperationHandlers = { [K in OperationId]: Handler };

type BodyOf<Op, Media extends string> = Op extends { requestBody?: { content: infer Content } }
  ? Media extends keyof Content
    ? Content[Media]
    : never
  : never;

/**
 * The request body of an operation, typed from the spec. The only cast on
 * request data: by the time a handler runs, the OpenAPI validator has
 * checked the body against exactly this schema and media type.
 */
export function requestBody<Op extends OperationId, Media extends string = 'application/json'>(
  ctx: Context | AppContext,
  _operationId: Op,
  _mediaType?: Media,
): BodyOf<operations[Op], Media> {
  return ctx.request.body as BodyOf<operations[Op], Media>;
}

type QueryOf<Op> = Op extends { parameters: { query?: infer Query } } ? NonNullable<Query> : never;
type PathOf<Op> = Op extends { parameters: { path: infer Path } } ? Path : never;

/** Query parameters of an operation after the validator's checks, coercion and defaults. */
export function requestQuery<Op extends OperationId>(ctx: AppContext, _operationId: Op): QueryOf<operations[Op]> {
  return (ctx.state.query ?? {}) as QueryOf<operations[Op]>;
}

/** Path parameters of an operation after the validator's checks and coercion. */
export function requestPath<Op extends OperationId>(ctx: AppContext, _operationId: Op): PathOf<operations[Op]> {
  return (ctx.state.pathParams ?? {}) as PathOf<operations[Op]>;
}

/** The caller, on operations whose spec requires a token (authentication ran before the handler). */
export function caller(ctx: AppContext): { user: components['schemas']['User']; sessionId: string } {
  const { user, sessionId } = ctx.state;
  if (!user || !sessionId) throw new Error(`operation ${ctx.state.operationId ?? '?'} has no security requirement in the spec`);
  return { user, sessionId };
}
