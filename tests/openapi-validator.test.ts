import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Koa, { type Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import { parse } from 'yaml';
import { AppError, internalError, missingToken } from '../server/errors.js';
import { compileEovRoutesOnce, StaticOperationMatches } from '../server/http/eov-route-cache.js';
import { openapiValidator } from '../server/http/openapi-validator.js';

const spec: object = parse(readFileSync(new URL('./fixtures/adapter-spec.yaml', import.meta.url), 'utf8'));

/** What the tiny routes saw, so tests can check the state the adapter exposed. */
let seen: { operationId?: unknown; query?: unknown; pathParams?: unknown; body?: unknown; user?: unknown } = {};
/** Errors the error handler rendered as 500, as a logger would receive them. */
const logged: unknown[] = [];

const routes: Record<string, (ctx: Context) => void> = {
  listWidgets(ctx) {
    ctx.body = { limit: ctx.state.query.limit, items: [] };
  },
  createWidget(ctx) {
    ctx.status = 201;
    ctx.body = { id: 1, name: 'gear' };
  },
  getWidget(ctx) {
    const { id } = ctx.state.pathParams;
    // Widget 2 breaks its schema (id must be an integer, no extra fields); 3 and 4 answer with problem
    // documents for a documented (404) and an undocumented (409) status.
    if (id === 2) ctx.body = { id: 'two', name: 'gear', secret: 'x' };
    else if (id === 3 || id === 4) {
      const problem = new AppError(id === 3 ? 404 : 409, 'not_found', 'No such widget.');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem.toProblem();
    } else ctx.body = { id, name: 'gear' };
  },
  getMe(ctx) {
    ctx.body = { user: ctx.state.user };
  },
};

async function authenticateBearer(ctx: Context): Promise<void> {
  const header = ctx.get('Authorization');
  if (header === '') throw missingToken();
  if (header !== 'Bearer good') {
    throw new AppError(401, 'invalid_token', 'The access token is invalid or expired.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="authapi", error="invalid_token"' },
    });
  }
  ctx.state.user = 'alice';
}

/** `bodyAfterAuth`: the body parser is handed to the adapter (as app.ts does) instead of running first. */
function createApp(bodyAfterAuth = false): Koa {
  const app = new Koa();
  const parseBody = bodyParser({ enableTypes: ['json', 'form'], strict: false });
  if (!bodyAfterAuth) app.use(parseBody);
  app.use(async function renderErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const error = err instanceof AppError ? err : internalError(err);
      if (error.status >= 500) logged.push(error);
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.type = 'application/problem+json';
      ctx.body = error.toProblem();
    }
  });
  app.use(
    openapiValidator({
      apiSpec: spec,
      validateResponses: true,
      securityHandlers: { BearerToken: authenticateBearer },
      ...(bodyAfterAuth ? { parseBody } : {}),
    }),
  );
  app.use(async function route(ctx) {
    seen = {
      operationId: ctx.state.operationId,
      query: ctx.state.query,
      pathParams: ctx.state.pathParams,
      body: ctx.request.body,
      user: ctx.state.user,
    };
    const handler = routes[String(ctx.state.operationId)];
    if (!handler) throw new Error(`no route for ${String(ctx.state.operationId)}`);
    handler(ctx);
  });
  return app;
}

let baseUrl = '';
let bodyAfterAuthUrl = '';
const closers: (() => void)[] = [];

async function listen(app: Koa): Promise<string> {
  const server = app.listen(0);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  closers.push(() => server.close());
  return `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  baseUrl = await listen(createApp());
  bodyAfterAuthUrl = await listen(createApp(true));
});
afterAll(() => closers.forEach((close) => close()));

async function call(method: string, path: string, init: { json?: unknown; headers?: Record<string, string>; body?: string } = {}) {
  seen = {};
  logged.length = 0;
  const headers = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe('openapiValidator', () => {
  it('passes a valid request and exposes its operationId, body and defaulted query', async () => {
    const res = await call('POST', '/widgets', { json: { name: 'gear', email: 'a@example.com' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 1, name: 'gear' });
    expect(seen.operationId).toBe('createWidget');
    expect(seen.body).toEqual({ name: 'gear', email: 'a@example.com' });

    await call('GET', '/widgets');
    expect(seen).toMatchObject({ operationId: 'listWidgets', query: { limit: 20 } });
  });

  it('coerces query and path parameters to the types the spec gives them', async () => {
    const list = await call('GET', '/widgets?limit=10');
    expect(list.status).toBe(200);
    expect(seen.query).toEqual({ limit: 10 });

    const one = await call('GET', '/widgets/7');
    expect(one.status).toBe(200);
    expect(seen.pathParams).toEqual({ id: 7 });
    expect(one.body).toEqual({ id: 7, name: 'gear' });
  });

  it('answers 422 naming each bad, missing or unknown body field', async () => {
    const res = await call('POST', '/widgets', { json: { email: 'not-an-email', colour: 'red' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 422, code: 'validation_failed', detail: 'The request has invalid fields.' });
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { path: '/body/email', message: 'must match format "email"' },
        { path: '/body/name', message: "must have required property 'name'" },
        { path: '/body/colour', message: 'must NOT have additional properties' },
      ]),
    );
    expect(res.body.errors).toHaveLength(3);
    expect(seen.operationId).toBeUndefined();
  });

  it('answers 422 at /body when the required body is missing or empty', async () => {
    for (const init of [{}, { headers: { 'content-type': 'application/json' }, body: '' }]) {
      const res = await call('POST', '/widgets', init);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: '/body', message: 'is required' }]);
    }
  });

  it('answers 422 for a query parameter out of range, of the wrong type or unknown', async () => {
    const cases = [
      ['/widgets?limit=0', { path: '/query/limit', message: 'must be >= 1' }],
      ['/widgets?limit=ten', { path: '/query/limit', message: 'must be integer' }],
      ['/widgets?colour=red', { path: '/query/colour', message: "Unknown query parameter 'colour'" }],
      ['/widgets/0', { path: '/path/id', message: 'must be >= 1' }],
    ] as const;
    for (const [path, error] of cases) {
      const res = await call('GET', path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 422, code: 'validation_failed' });
      expect(res.body.errors).toEqual([error]);
    }
  });

  it('answers 404 for a path the spec does not have', async () => {
    const res = await call('GET', '/gadgets');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found', detail: 'No operation at this path.' });
  });

  it('answers 405 with the methods the spec has for that path in Allow', async () => {
    const res = await call('DELETE', '/widgets');
    expect(res.status).toBe(405);
    expect(res.body.code).toBe('method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect((await call('PUT', '/me')).headers.get('allow')).toBe('GET');
  });

  it('answers 415 for a body in a content type the operation does not take', async () => {
    const res = await call('POST', '/widgets', { headers: { 'content-type': 'text/plain' }, body: 'gear' });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
    const form = await call('POST', '/widgets', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=gear&email=a%40example.com',
    });
    expect(form.status).toBe(415);
  });

  it('runs the security handler with the Koa context before the route', async () => {
    const res = await call('GET', '/me', { headers: { Authorization: 'Bearer good' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: 'alice' });
    expect(seen).toMatchObject({ operationId: 'getMe', user: 'alice' });
  });

  it("surfaces the security handler's own error unchanged", async () => {
    const refused = await call('GET', '/me', { headers: { Authorization: 'Bearer expired' } });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'invalid_token', detail: 'The access token is invalid or expired.' });
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_token"');
    expect(seen.operationId).toBeUndefined();

    const missing = await call('GET', '/me');
    expect(missing.body.code).toBe('not_authenticated');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="authapi"');
  });

  it('turns a response that breaks the spec into a bare 500 and logs why', async () => {
    const res = await call('GET', '/widgets/2');
    expect(res.status).toBe(500);
    expect(res.body).toEqual(internalError().toProblem());
    expect(res.text).not.toMatch(/must|secret|response/);
    expect(logged).toHaveLength(1);
    const cause = logged[0] instanceof Error ? logged[0].cause : undefined;
    expect(cause instanceof Error ? cause.message : '').toMatch(/GET \/widgets\/2 200: response breaks the spec: .*must be integer/);
  });

  it('lets a response that matches the spec through, problem documents included', async () => {
    const ok = await call('GET', '/widgets/1');
    expect(ok.status).toBe(200);
    expect(logged).toEqual([]);

    const gone = await call('GET', '/widgets/3');
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('not_found');
    expect(logged).toEqual([]);
  });

  it('rejects a problem document for a status the operation does not document', async () => {
    const res = await call('GET', '/widgets/4');
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('internal_error');
    expect(logged).toHaveLength(1);
  });
});

describe('with parseBody, the body is read after routing and authentication, and only where it is taken', () => {
  const malformed = { 'content-type': 'application/json' };
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(bodyAfterAuthUrl + path, { method, headers: { ...malformed, ...headers }, body: '{"broken' });

  it('parses and validates it for an operation that takes one: `null` is well-formed, and a 422 at /body', async () => {
    const response = await fetch(`${bodyAfterAuthUrl}/widgets`, { method: 'POST', headers: malformed, body: 'null' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ errors: [{ path: '/body', message: 'must be object' }] });
    const valid = await fetch(`${bodyAfterAuthUrl}/widgets`, { method: 'POST', headers: malformed, body: '{"name":"gear","email":"a@example.com"}' });
    expect(valid.status).toBe(201);
  });

  it('answers a wrong path, a wrong method or a bad token before reading the body', async () => {
    expect((await send('POST', '/nowhere')).status).toBe(404);
    expect((await send('DELETE', '/widgets')).status).toBe(405);
    expect((await send('POST', '/me')).status).toBe(405);
    const me = await fetch(`${bodyAfterAuthUrl}/me`, { headers: { ...malformed, authorization: 'Bearer bad' } });
    expect(me.status).toBe(401);
  });
});

describe('operations found once per static path', () => {
  it('still runs the security handler on every request to a path it has seen', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await call('GET', '/me', { headers: { Authorization: 'Bearer good' } });
      expect(ok.status).toBe(200);
      expect(seen.operationId).toBe('getMe');
      const refused = await call('GET', '/me', { headers: { Authorization: 'Bearer bad' } });
      expect(refused.status).toBe(401);
    }
  });

  it('still validates query parameters and refuses other methods on a path it has seen', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await call('GET', '/widgets?limit=5')).body).toEqual({ limit: 5, items: [] });
      expect((await call('GET', '/widgets?limit=0')).status).toBe(422);
      expect((await call('DELETE', '/widgets')).status).toBe(405);
    }
  });

  it('keeps only operations at the exact path the spec writes, without path parameters', () => {
    const matches = new StaticOperationMatches();
    const operation = { openApiRoute: '/me', expressRoute: '/me', pathParams: {}, schema: { operationId: 'getMe' } };
    matches.remember('GET', '/ME/', { ...operation });
    matches.remember('GET', '/widgets/7', { ...operation, openApiRoute: '/widgets/{id}', pathParams: { id: '7' } });
    expect(matches.find('GET', '/ME/')).toBeUndefined();
    expect(matches.find('GET', '/widgets/7')).toBeUndefined();

    matches.remember('GET', '/me', operation);
    const found = matches.find('GET', '/me');
    expect(found).toEqual(operation);
    expect(found).not.toBe(operation);
    expect(matches.find('POST', '/me')).toBeUndefined();
    // Each request gets its own copy: what one request's validator changes, the next does not see.
    if (found) found.pathParams = { leaked: true };
    expect(matches.find('GET', '/me')?.pathParams).toEqual({});
  });
});

describe("EOV's route patterns, compiled once", () => {
  // The copy of path-to-regexp that express-openapi-validator loads, as it calls it on each request.
  const fromEov = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
  const library = fromEov('path-to-regexp') as { pathToRegexp: (path: string, options?: object) => { regexp: RegExp } };

  it('reuses the compiled pattern for the same route and flags, and still matches as before', () => {
    compileEovRoutesOnce();
    const first = library.pathToRegexp('/widgets/:id', { sensitive: false, strict: false });
    expect(library.pathToRegexp('/widgets/:id', { sensitive: false, strict: false })).toBe(first);
    expect(library.pathToRegexp('/widgets/:id', { sensitive: true, strict: false })).not.toBe(first);
    expect(first.regexp.exec('/widgets/7')?.[1]).toBe('7');
    expect(first.regexp.exec('/widgets/7')?.[1]).toBe('7');
    expect(first.regexp.exec('/gadgets/7')).toBeNull();
  });

  it("leaves other callers' options (e.g. @koa/router's `end`) uncached", () => {
    compileEovRoutesOnce();
    const open = library.pathToRegexp('/widgets', { end: false });
    expect(library.pathToRegexp('/widgets', { end: false })).not.toBe(open);
    expect(open.regexp.test('/widgets/7')).toBe(true);
  });
});
