import type { ParameterizedContext } from 'koa';
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
export type OperationId = keyof operations;

type Content<T> = T extends { content: infer C } ? (C extends Record<string, unknown> ? C : never) : never;

/**
 * The request body as a union over the media types the operation takes, tagged with the one that arrived, so a
 * handler of several (login's JSON and OAuth2 form) narrows on `mediaType` instead of casting.
 */
type BodyInput<Op> = Op extends { requestBody: infer Body }
  ? { [M in keyof Content<Body>]: { mediaType: M; body: Content<Body>[M] } }[keyof Content<Body>]
  : Op extends { requestBody?: infer Body }
    ? [Body] extends [undefined] ? { mediaType: undefined; body: undefined }
    : { [M in keyof Content<Body>]: { mediaType: M; body: Content<Body>[M] } }[keyof Content<Body>] | { mediaType: undefined; body: undefined }
    : { mediaType: undefined; body: undefined };

type Parameters<Op, In extends 'query' | 'path'> = Op extends { parameters: Record<In, infer P> }
  ? NonNullable<P>
  : Op extends { parameters: Partial<Record<In, infer P>> }
    ? [P] extends [undefined] ? Record<string, never> : NonNullable<P>
    : Record<string, never>;

/** What a handler receives: the operation's body, query and path parameters, as the validator left them. */
export type OperationInput<Id extends OperationId> = BodyInput<operations[Id]> & {
  query: Parameters<operations[Id], 'query'>;
  path: Parameters<operations[Id], 'path'>;
};

type Responses<Id extends OperationId> = operations[Id]['responses'];

/**
 * What a handler answers: one of the statuses its operation documents, with that status's body type (none for a
 * 204). Errors are thrown as AppErrors instead; a status answered here is one the handler decides as a normal
 * outcome (readiness's 503).
 */
export type OperationReply<Id extends OperationId> = {
  [S in keyof Responses<Id>]: S extends number
    ? [Content<Responses<Id>[S]>] extends [never]
      ? { status: S; body?: undefined; headers?: Record<string, string> }
      : { status: S; body: Content<Responses<Id>[S]>[keyof Content<Responses<Id>[S]>]; type?: keyof Content<Responses<Id>[S]> & string; headers?: Record<string, string> }
    : never;
}[keyof Responses<Id>];

/** The code bound to one operationId (the router does the binding; see router.ts). */
export type Handler<Id extends OperationId> = (input: OperationInput<Id>, ctx: AppContext) => OperationReply<Id> | Promise<OperationReply<Id>>;

/** Every operation's handler, keyed by operationId: the router refuses to start with one missing. */
export type OperationHandlers = { [Id in OperationId]: Handler<Id> };

/** The caller, on operations whose spec requires a token (authentication ran before the handler). */
export function caller(ctx: AppContext): { user: components['schemas']['User']; sessionId: string } {
  const { user, sessionId } = ctx.state;
  if (!user || !sessionId) throw new Error(`operation ${ctx.state.operationId ?? '?'} has no security requirement in the spec`);
  return { user, sessionId };
}
