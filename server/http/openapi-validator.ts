/**
 * Runs express-openapi-validator (EOV) inside Koa: it has no Koa adapter, and koa-connect fails (`req.path` is
 * undefined). We call its Express handlers against a per-request `req`/`res` shim holding only the members EOV 5.6.2
 * reads or writes. That is internal API, every piece of it listed in eov-internals.ts and pinned by
 * tests/eov-internals.test.ts; tests/openapi-validator.test.ts covers each branch of the adapter.
 * Overhead, measured in-process over 100k requests on the 3-path test spec: about 20-25 µs per request, plus 5-15 µs
 * with response validation (noisy 2-core box), before the route cache (eov-route-cache.ts) took out most of EOV's
 * per-request route matching.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Middleware } from 'koa';
// For its `ctx.request.rawBody` type: koa-bodyparser is what tells "no body" from "{}".
import type {} from 'koa-bodyparser';
import * as OpenApiValidator from 'express-openapi-validator';
import { withoutOtherBranches } from './one-of-errors.js';
import { AppError, internalError, methodNotAllowed, missingToken, notFound, requestRejected, validationFailed, type FieldError } from '../errors.js';
import { EOV_ALLOW_UNKNOWN_QUERY, EOV_ROUTING_SETTINGS, eovSteps, runEovStep } from './eov-internals.js';
import { compileEovRoutesOnce, StaticOperationMatches } from './eov-route-cache.js';
import { compileSpecCheckOnUse } from './eov-spec-check.js';

export interface OpenApiValidatorOptions {
  /** The parsed (not dereferenced) OpenAPI 3.0 document object. */
  apiSpec: object;
  /** Whether the build has run EOV's check of the document itself already (ApiSpec.checked); if not, it runs here. */
  specChecked?: boolean;
  /** Validate JSON response bodies against the spec (on in tests, off by default in production). */
  validateResponses: boolean;
  /**
   * One function per security scheme name; it authenticates the request (e.g. sets ctx.state.user) or throws.
   * `scopes` are the ones the operation's security requirement lists (e.g. `['admin']`).
   */
  securityHandlers: Record<string, (ctx: Context, scopes: string[]) => Promise<void>>;
  /**
   * Reads the request body (e.g. koa-bodyparser). Run only once the request has matched an operation that takes a
   * body and has passed its security handler, so an unknown path is a 404 and a missing token a 401 whatever
   * the body holds, and a body sent to an operation that takes none is ignored rather than refused with a
   * status that operation does not document. Without it, the body must already be parsed.
   */
  parseBody?: Middleware;
}

type EovOptions = Parameters<typeof OpenApiValidator.middleware>[0];
type EovHandler = ReturnType<typeof OpenApiValidator.middleware>[number];
type EovSecurityHandlers = NonNullable<Exclude<EovOptions['validateSecurity'], boolean | undefined>['handlers']>;

/** The Express `req` members EOV touches; it sets `openapi` and may replace `query`, `params` and `body`. */
interface RequestShim {
  method: string; path: string; url: string; originalUrl: string; baseUrl: string;
  headers: IncomingHttpHeaders; query: Record<string, unknown>; params: Record<string, unknown>; body: unknown;
  app: typeof app;
  openapi?: unknown;
}

type Pending = { ctx: Context; thrown?: { error: unknown } };

/** The `res` members its response validator reads; it wraps `json`, and `error` keeps its verdict. */
interface ResponseShim {
  statusCode: number;
  headersSent: false;
  getHeaders(): Record<string, string>;
  json(body: unknown): ResponseShim;
  error?: unknown;
}

// EOV asks the app for its routing flags, `strict routing` and `case sensitive routing`: both on, as in our
// @koa/router (router.ts EXACT_PATHS), so `/METRICS` or `/metrics/` is no operation. It also hooks `app.param()`,
// which only Express routers would call.
const app = { enabled: (setting: string) => EOV_ROUTING_SETTINGS.some((name) => name === setting), param: () => {} };

export function openapiValidator(options: OpenApiValidatorOptions): Middleware {
  const { apiSpec, specChecked = false, validateResponses, securityHandlers, parseBody } = options;
  if (!isOpenApiDocument(apiSpec)) throw new TypeError('apiSpec must be a parsed OpenAPI 3 document');

  // EOV's security handlers receive its `req`; this finds the Koa context and keeps what our handler threw,
  // because EOV would replace it with its own HttpError (losing our code and WWW-Authenticate).
  const pending = new WeakMap<object, Pending>();
  const handlers: EovSecurityHandlers = {};
  for (const [scheme, authenticate] of Object.entries(securityHandlers)) {
    handlers[scheme] = async (req, scopes) => {
      const request = pending.get(req);
      if (!request) throw new Error(`security handler "${scheme}" ran outside a request`);
      try {
        await authenticate(request.ctx, scopes);
        return true;
      } catch (error) {
        request.thrown ??= { error };
        throw error;
      }
    };
  }

  compileEovRoutesOnce();
  compileSpecCheckOnUse();
  // The spec loads (and is validated) in the background now; each handler awaits it on first use.
  const steps = OpenApiValidator.middleware({
    apiSpec: ignoreQueryWhereNoneDeclared(apiSpec),
    validateApiSpec: !specChecked,
    // Only query, path and header values are coerced (EOV always does that); JSON bodies must have the right types.
    validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
    validateResponses: validateResponses ? { allErrors: true } : false,
    validateSecurity: { handlers },
    ignoreUndocumented: false,
    fileUploader: false,
    $refParser: { mode: 'bundle' },
  });
  const { findOperation, authenticate, validateRequest, validateResponse: checkResponse } = eovSteps(steps);
  const checkRequest = steps.filter((step) => step !== checkResponse);
  const staticOperations = new StaticOperationMatches();

  return async function openapiValidator(ctx, next) {
    const sentBody = (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
    // Copies of headers and query: EOV coerces them and fills in defaults in place, and Koa caches ctx.query.
    const { path, url, originalUrl } = ctx;
    // HEAD is GET without a body (RFC 9110 §9.3.2); load balancers probe with it.
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const headers = { ...ctx.headers }, query = { ...ctx.query };
    const req: RequestShim = { method, path, url, originalUrl, baseUrl: '', headers, query, params: {}, body: undefined, app };
    const getHeaders = () => ({ 'content-type': ctx.response.get('Content-Type') });
    const res: ResponseShim = { statusCode: 200, headersSent: false, getHeaders, json: () => res };
    const request: Pending = { ctx };
    pending.set(req, request);

    let parsed = false;
    for (const step of checkRequest) {
      if (step === validateRequest) {
        if (parseBody && bodyOf(req.openapi) !== 'none') await parseBody(ctx, async () => {});
        const raw: string | undefined = ctx.request.rawBody;
        parsed = raw !== undefined && raw !== ''; // koa-bodyparser turns "no body" and unparsed types into {}
        req.body = parsed ? ctx.request.body : undefined;
        // A body sent but not read (a Content-Type the parser does not take, such as `application/json; =`) is
        // refused here: EOV asks for a body only when its schema has its own `required` list, which a oneOf has
        // not (tests/fuzz: removeTotp reached its handler without a body: a 500).
        if (parseBody && !parsed && bodyOf(req.openapi) === 'required') {
          throw sentBody ? requestRejected(415) : validationFailed([{ path: '/body', message: 'is required' }]);
        }
      }
      const known = step === findOperation ? staticOperations.find(method, path) : undefined;
      if (known) {
        // What EOV's step would have set (eov-internals.ts item 4): the operation, and no path parameters.
        req.openapi = known;
        req.params = {};
      } else {
        try {
          await run(step, req, res);
        } catch (error) {
          if (step !== authenticate) throw toAppError(error, sentBody);
          if (request.thrown) throw request.thrown.error;
          throw statusOf(error) === 500 ? internalError(error) : missingToken();
        }
        if (step === findOperation) staticOperations.remember(method, path, req.openapi);
      }
      // Named as soon as it is known, before security and validation run: the access-log line and the metrics of
      // a refused token or an invalid body then say which operation was refused.
      if (step === findOperation && isOperationMatch(req.openapi)) ctx.state.operationId = req.openapi.schema.operationId;
    }

    const openapi = req.openapi;
    // Only paths outside the `servers` base path get here without a match; no operation is there either.
    if (!isOperationMatch(openapi)) throw notFound();
    // ajv coerces "Infinity", "1e400" or 400 digits to ±Infinity, then lets that past `type: integer`, `minimum`
    // and `maximum` (tests/fuzz: `/admin/users/9…9` gave a 500, `?limit=Infinity` a page without a limit).
    const infinite = nonFinite(req.query, 'query') ?? nonFinite(openapi.pathParams, 'path');
    if (infinite) throw validationFailed([{ path: infinite, message: 'must be a finite number' }]);
    ctx.state.operationId = openapi.schema.operationId;
    ctx.state.query = req.query;
    ctx.state.pathParams = openapi.pathParams;
    if (parsed && req.body !== ctx.request.body) ctx.request.body = req.body;

    await next();

    if (!checkResponse || !isJsonBody(ctx.body)) return;
    res.statusCode = ctx.status;
    await run(checkResponse, req, res); // installs its hook on res.json
    res.json(ctx.body); // the hook validates and reports a mismatch through the step's `next`
    if (res.error === undefined) return;
    const message = res.error instanceof Error ? res.error.message : String(res.error);
    const where = `${ctx.method} ${ctx.path} ${ctx.status}`;
    throw internalError(new Error(`${where}: response breaks the spec: ${message}`, { cause: res.error }));
  };
}

/**
 * A copy of the document where each operation that declares no query parameter ignores the query string (EOV's
 * `x-eov-allow-unknown-query-parameters`). Found by tests/fuzz: `/healthz?_=1`, or `/me?access_token=…` (which the
 * spec says is ignored), got a 422 these operations do not document. Operations that do take query parameters
 * still refuse unknown ones, so a typo such as `?limt=5` does not pass unnoticed.
 */
function ignoreQueryWhereNoneDeclared<T extends object>(document: T): T {
  const copy = structuredClone(document);
  const paths: unknown = Reflect.get(copy, 'paths');
  for (const item of isRecord(paths) ? Object.values(paths) : []) {
    if (!isRecord(item)) continue;
    const shared: unknown[] = Array.isArray(item.parameters) ? item.parameters : [];
    for (const operation of Object.values(item)) {
      if (!isRecord(operation) || !('responses' in operation)) continue;
      const own: unknown[] = Array.isArray(operation.parameters) ? operation.parameters : [];
      const takesQuery = [...shared, ...own].some((parameter) => {
        const resolved = resolveLocalRef(copy, parameter);
        return isRecord(resolved) && resolved.in === 'query';
      });
      if (!takesQuery) operation[EOV_ALLOW_UNKNOWN_QUERY] = true;
    }
  }
  return copy;
}

function resolveLocalRef(document: object, value: unknown): unknown {
  if (!isRecord(value) || typeof value.$ref !== 'string' || !value.$ref.startsWith('#/')) return value;
  let node: unknown = document;
  for (const key of value.$ref.slice(2).split('/')) node = isRecord(node) ? node[key.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  return node;
}

/** The pointer to the first parameter that coercion turned into ±Infinity or NaN, if any. */
function nonFinite(values: Record<string, unknown>, location: 'query' | 'path'): string | undefined {
  for (const [name, value] of Object.entries(values)) {
    if ((Array.isArray(value) ? value : [value]).some((one) => typeof one === 'number' && !Number.isFinite(one))) return `/${location}/${name}`;
  }
  return undefined;
}

function run(step: EovHandler, req: RequestShim, res: ResponseShim): Promise<void> {
  return runEovStep(step, req, res, (error) => (res.error ??= error));
}

function toAppError(error: unknown, sentBody: boolean): AppError {
  const status = statusOf(error) ?? 500;
  if (status === 400) return validationFailed(withoutOtherBranches(fieldErrors(error)));
  // Without a body there is no Content-Type either; EOV calls that 415, the client simply forgot the body.
  if (status === 415 && !sentBody) return validationFailed([{ path: '/body', message: 'is required' }]);
  if (status === 404) return notFound();
  if (status === 405) {
    const headers = isRecord(error) && isRecord(error.headers) ? error.headers : {};
    // EOV lists them in its route-sorting order (POST, GET); sorted is stable and reads better.
    const allow = typeof headers.Allow === 'string' ? headers.Allow.split(/,\s*/).sort().join(', ') : '';
    return methodNotAllowed(allow);
  }
  if (status < 400 || status >= 500) return internalError(error);
  return requestRejected(status);
}

/** EOV's `errors[]` are ajv's, located in its wrapper object `{ body, query, params, headers, cookies }`. */
function fieldErrors(error: unknown): FieldError[] {
  const list = isRecord(error) && Array.isArray(error.errors) ? error.errors : [];
  // allErrors is on so a form shows every bad field at once; 20 bounds the answer to a hostile body.
  return list.filter(isRecord).slice(0, 20).map((item) => {
    const path = toPointer(typeof item.path === 'string' ? item.path : '');
    const message = typeof item.message === 'string' ? item.message : 'is invalid';
    // The body is validated as property "body" of a wrapper object; that wording is EOV's, not the client's.
    const wrapperWording = path === '/body' && message.startsWith('must have required property');
    return { path, message: wrapperWording ? 'is required' : message };
  });
}

// Named like OpenAPI's `in`, not like Express's req members.
const LOCATIONS: Record<string, string> = {
  body: 'body', query: 'query', params: 'path', headers: 'header', cookies: 'cookie',
};

function toPointer(path: string): string {
  // ajv 8 (EOV 5) gives JSON pointers, `/body/email`; EOV 4 gave `.body.email`.
  const [, location = '', ...rest] = (path.startsWith('.') ? path.replaceAll('.', '/') : path).split('/');
  const name = LOCATIONS[location];
  // Anything else (EOV puts the URL there for a malformed URI) is about the request as a whole.
  return name ? ['', name, ...rest].join('/') : '/';
}

function statusOf(error: unknown): number | undefined {
  return isRecord(error) && typeof error.status === 'number' ? error.status : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Koa serialises plain objects and arrays as JSON; Buffers, streams and strings are not ours to check. */
function isJsonBody(body: unknown): boolean {
  const proto: unknown = isRecord(body) ? Object.getPrototypeOf(body) : undefined;
  return Array.isArray(body) || proto === Object.prototype || proto === null;
}

function isOpenApiDocument(doc: object): doc is Exclude<EovOptions['apiSpec'], string> {
  return 'openapi' in doc && typeof doc.openapi === 'string' && doc.openapi.startsWith('3.') && 'paths' in doc;
}

type OperationMatch = { schema: { operationId: string }; pathParams: Record<string, unknown> };

/** The matched operation's body: none (EOV sets `requestBody: null`), required (`required: true`, not its schema's list) or optional. */
function bodyOf(openapi: unknown): 'none' | 'required' | 'optional' {
  const body = isRecord(openapi) && isRecord(openapi.schema) ? openapi.schema.requestBody : undefined;
  return !isRecord(body) ? 'none' : body.required === true ? 'required' : 'optional';
}

function isOperationMatch(value: unknown): value is OperationMatch {
  if (!isRecord(value) || !isRecord(value.pathParams) || !isRecord(value.schema)) return false;
  return typeof value.schema.operationId === 'string';
}
