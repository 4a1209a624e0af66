/**
 * Pins each express-openapi-validator internal listed in server/http/eov-internals.ts (items 1-10), by driving EOV's
 * own handlers with the plain objects the Koa adapter gives them. A failure here after an upgrade names the item
 * that changed; re-read that item in EOV's source and adapt openapi-validator.ts, eov-route-cache.ts or eov-spec-check.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as OpenApiValidator from 'express-openapi-validator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EOV_ALLOW_UNKNOWN_QUERY, EOV_ROUTING_SETTINGS, EOV_STEPS, EOV_VERSION, eovSteps, runEovStep } from '../server/http/eov-internals.js';
import { compileEovRoutesOnce } from '../server/http/eov-route-cache.js';
import { compileSpecCheckOnUse } from '../server/http/eov-spec-check.js';

const require = createRequire(import.meta.url);
const fixture: Record<string, unknown> = parse(readFileSync(new URL('./fixtures/adapter-spec.yaml', import.meta.url), 'utf8'));
const changed = (item: number, what: string) => `express-openapi-validator internal ${item} changed (server/http/eov-internals.ts): ${what}`;

type Step = ReturnType<typeof OpenApiValidator.middleware>[number];

/** EOV's handlers over the fixture spec, with a security handler that records the `req` it is given. */
function middleware(spec: Record<string, unknown> = fixture, validateApiSpec = true) {
  const securityCalls: object[] = [];
  const steps = OpenApiValidator.middleware({
    apiSpec: structuredClone(spec) as never,
    validateApiSpec,
    validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
    validateResponses: { allErrors: true },
    validateSecurity: {
      handlers: {
        BearerToken: (req) => {
          securityCalls.push(req);
          return Promise.resolve(true);
        },
      },
    },
    ignoreUndocumented: false,
    fileUploader: false,
  });
  return { steps, securityCalls };
}

/** The request shim of item 4; `settings` records what EOV asks `app.enabled` (item 3). */
function request(method: string, url: string, extra: { headers?: Record<string, string>; body?: unknown } = {}) {
  const settings: string[] = [];
  const [path = '', search = ''] = url.split('?');
  const app = { enabled: (name: string) => (settings.push(name), EOV_ROUTING_SETTINGS.some((setting) => setting === name)), param: () => {} };
  const req: Record<string, unknown> = {
    method, path, url, originalUrl: url, baseUrl: '', headers: extra.headers ?? {}, params: {}, body: extra.body, app,
    query: Object.fromEntries(new URLSearchParams(search)),
  };
  return { req, settings };
}

function response() {
  const res = { statusCode: 200, headersSent: false, getHeaders: () => ({ 'content-type': 'application/json' }), json: (_body: unknown) => res };
  return res;
}

/** Runs the request steps in order; resolves with the first error (or undefined). */
async function runRequest(steps: Step[], req: object, upTo: keyof typeof EOV_STEPS = 'validateRequest'): Promise<unknown> {
  const roles = eovSteps(steps);
  const order = [roles.loadSpec, roles.findOperation, roles.authenticate, roles.validateRequest];
  for (const step of order.slice(0, order.indexOf(roles[upTo] ?? roles.validateRequest) + 1)) {
    try {
      await runEovStep(step, req, response());
    } catch (error) {
      return error;
    }
  }
  return undefined;
}

describe('express-openapi-validator internals the adapter relies on', () => {
  it('1: the installed version is the one they were read from', () => {
    const installed = JSON.parse(readFileSync(require.resolve('express-openapi-validator/package.json'), 'utf8')) as { version: string };
    expect(installed.version, changed(1, `${installed.version} is installed, the list was checked against ${EOV_VERSION}: re-check items 2-9, then update EOV_VERSION`)).toBe(EOV_VERSION);
  });

  it('2: middleware() returns Express handlers named as EOV_STEPS, in that order', () => {
    const names = middleware().steps.map((step) => step.name);
    expect(names, changed(2, 'the step names or their order')).toEqual(Object.values(EOV_STEPS));
    expect(() => eovSteps([{ name: 'metadataMiddleware' }]), changed(2, 'eovSteps must refuse to start without a step')).toThrow(/no "pathParamsMiddleware" step/);
  });

  it('3: the metadata step matches with the app settings EOV_ROUTING_SETTINGS', async () => {
    const { steps } = middleware();
    const { req, settings } = request('GET', '/widgets');
    await runRequest(steps, req, 'findOperation');
    expect([...new Set(settings)].sort(), changed(3, 'the app settings the metadata step reads')).toEqual([...EOV_ROUTING_SETTINGS].sort());
  });

  it('4: the metadata step sets req.openapi = { openApiRoute, pathParams, schema } with requestBody null where none is', async () => {
    const { steps } = middleware();
    const withParameter = request('GET', '/widgets/7');
    await runRequest(steps, withParameter.req, 'findOperation');
    expect(withParameter.req.openapi, changed(4, 'the shape of req.openapi')).toMatchObject({
      openApiRoute: '/widgets/{id}',
      pathParams: { id: '7' },
      schema: { operationId: 'getWidget', requestBody: null },
    });
    const withBody = request('POST', '/widgets');
    await runRequest(steps, withBody.req, 'findOperation');
    expect(withBody.req.openapi, changed(4, 'requestBody of an operation that takes one')).toMatchObject({ schema: { requestBody: { content: {} } } });
  });

  it('5: errors carry status, ajv pointers in errors[], Allow on a 405, and 415 for a missing required body', async () => {
    const { steps } = middleware();
    const invalid = await runRequest(steps, request('POST', '/widgets', { headers: { 'content-type': 'application/json' }, body: { name: '' } }).req);
    expect(invalid, changed(5, 'a 400 with errors[].path as JSON pointers')).toMatchObject({
      status: 400,
      errors: expect.arrayContaining([expect.objectContaining({ path: '/body/name', message: expect.any(String) })]),
    });
    const query = await runRequest(steps, request('GET', '/widgets?limit=0').req);
    expect(query, changed(5, 'a query error located at /query/…')).toMatchObject({ status: 400, errors: [expect.objectContaining({ path: '/query/limit' })] });
    const method = await runRequest(steps, request('DELETE', '/widgets').req);
    expect(method, changed(5, 'a 405 with headers.Allow')).toMatchObject({ status: 405, headers: { Allow: expect.stringMatching(/GET/) } });
    const noBody = await runRequest(steps, request('POST', '/widgets').req);
    expect(noBody, changed(5, 'a missing required body as 415')).toMatchObject({ status: 415 });
  });

  it('6: a security handler gets the very req object the step was given', async () => {
    const { steps, securityCalls } = middleware();
    const { req } = request('GET', '/me', { headers: { authorization: 'Bearer x' } });
    expect(await runRequest(steps, req, 'authenticate')).toBeUndefined();
    expect(securityCalls[0] === req, changed(6, 'the security handler no longer receives the step\'s req')).toBe(true);
  });

  it('7: the response step wraps res.json and reports a mismatch through next', async () => {
    const { steps } = middleware();
    const { req } = request('GET', '/widgets/7');
    await runRequest(steps, req);
    const res = response();
    const original = res.json;
    const reported: unknown[] = [];
    const validateResponse = eovSteps(steps).validateResponse;
    await runEovStep(validateResponse, req, res, (error) => reported.push(error));
    expect(res.json === original, changed(7, 'res.json is no longer wrapped')).toBe(false);
    res.json({ id: 'seven', name: 'gear' });
    expect(reported, changed(7, 'a response that breaks the spec is not reported through next')).toHaveLength(1);
  });

  it('8: the allow-unknown-query extension lets an operation take undeclared query parameters', async () => {
    const strict = await runRequest(middleware().steps, request('GET', '/widgets?color=red').req);
    expect(strict, changed(8, 'unknown query parameters are no longer refused')).toMatchObject({ status: 400 });
    const spec = structuredClone(fixture);
    Reflect.set(Reflect.get(Reflect.get(spec.paths as object, '/widgets') as object, 'get') as object, EOV_ALLOW_UNKNOWN_QUERY, true);
    expect(await runRequest(middleware(spec).steps, request('GET', '/widgets?color=red').req), changed(8, `${EOV_ALLOW_UNKNOWN_QUERY} is ignored`)).toBeUndefined();
  });

  it("9: EOV calls its path-to-regexp copy's export on each request, and that version ignores `strict`", async () => {
    const library = createRequire(require.resolve('express-openapi-validator'))('path-to-regexp') as {
      pathToRegexp: (path: string, options?: Record<string, unknown>) => { regexp: RegExp };
    };
    // `end` is path-to-regexp's own default; as an option EOV never passes, it also takes the call past the route
    // cache, which a server started earlier in this worker process (test files share workers) has installed.
    const raw = library.pathToRegexp('/metrics', { strict: true, end: true }).regexp;
    // If this fails, path-to-regexp reads `strict` again and the translation in eov-route-cache.ts can go.
    expect(raw.test('/metrics/'), changed(9, 'path-to-regexp honours `strict` again')).toBe(true);

    compileEovRoutesOnce();
    const cached = library.pathToRegexp;
    const calls: unknown[] = [];
    library.pathToRegexp = (path, options) => (calls.push(options), cached(path, options));
    try {
      const { steps } = middleware();
      await runRequest(steps, request('GET', '/widgets/7').req, 'findOperation');
    } finally {
      library.pathToRegexp = cached;
    }
    expect(calls.length, changed(9, 'EOV no longer calls the pathToRegexp export per request')).toBeGreaterThan(0);
    expect(calls[0], changed(9, 'the options EOV passes')).toEqual({ sensitive: true, strict: true });
    expect(cached('/metrics', { sensitive: true, strict: true }).regexp.test('/metrics/'), 'eov-route-cache.ts must make `strict` exact').toBe(false);
  });

  it('10: loading a spec constructs the OpenAPISchemaValidator export and calls validate() only with validateApiSpec on', async () => {
    type Check = { validate(document: unknown): { errors: unknown[] } };
    type CheckClass = new (options: { version: string; validateApiSpec: boolean }) => Check;
    const library = createRequire(require.resolve('express-openapi-validator'))('./framework/openapi.schema.validator') as { OpenAPISchemaValidator: CheckClass };
    compileSpecCheckOnUse();
    const Deferred = library.OpenAPISchemaValidator;
    const calls: string[] = [];
    library.OpenAPISchemaValidator = class implements Check {
      private readonly inner: Check;
      constructor(options: { version: string; validateApiSpec: boolean }) {
        calls.push(`new, validateApiSpec ${String(options.validateApiSpec)}`);
        this.inner = new Deferred(options);
      }
      validate(document: unknown) {
        calls.push('validate');
        return this.inner.validate(document);
      }
    };
    let refused: unknown;
    try {
      expect(await runRequest(middleware(fixture, false).steps, request('GET', '/widgets/7').req, 'loadSpec')).toBeUndefined();
      expect(await runRequest(middleware(fixture, true).steps, request('GET', '/widgets/7').req, 'loadSpec')).toBeUndefined();
      refused = await runRequest(middleware({ ...fixture, info: 'not an object' }, true).steps, request('GET', '/widgets/7').req, 'loadSpec');
    } finally {
      library.OpenAPISchemaValidator = Deferred;
    }
    expect(calls, changed(10, 'how a spec load uses OpenAPISchemaValidator')).toEqual([
      'new, validateApiSpec false', 'new, validateApiSpec true', 'validate', 'new, validateApiSpec true', 'validate',
    ]);
    expect(refused, 'the deferred compile must still refuse an invalid spec').toBeDefined();
  });
});
