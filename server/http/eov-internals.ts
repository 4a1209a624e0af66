/**
 * Every internal of express-openapi-validator (EOV) that the Koa adapter (openapi-validator.ts), the route cache
 * (eov-route-cache.ts) and the deferred spec check (eov-spec-check.ts) rely on, in one place. None is EOV's public
 * API, so the version is pinned, and tests/eov-internals.test.ts pins each item below by number: after an upgrade, a changed internal fails there by
 * name, not as a wrong status somewhere else.
 *
 * 1. The version all of this was read from: EOV_VERSION.
 * 2. `middleware()` returns Express handlers `(req, res, next)` named as in EOV_STEPS, in that order; the adapter
 *    calls them one by one (`next(err)` rejects) and puts the body parser between authentication and validation.
 * 3. The metadata step matches paths with the `app` settings in EOV_ROUTING_SETTINGS (`req.app.enabled(name)`), and
 *    the path-params step calls `req.app.param()` once.
 * 4. The request members read: method, path, url, originalUrl, baseUrl, headers, query, params, body; the metadata
 *    step sets `req.openapi = { openApiRoute, pathParams, schema }`, where `schema` is the operation object with
 *    `requestBody: null` when it takes none (StaticOperationMatches stores and replays exactly that object).
 * 5. Errors carry `status`; a 400's `errors[]` items have an ajv JSON-pointer `path` (`/body/email`,
 *    `/query/limit`, `/params/id`) and a `message`; a 405 has `headers.Allow`; a request without a body to an
 *    operation that requires one is a 415.
 * 6. A security handler is called with the very `req` object the step got, and its throw becomes the step's error.
 * 7. The response step wraps `res.json`; calling it validates the body against the matched response and reports a
 *    mismatch through the step's `next`. It reads `res.statusCode`, `res.headersSent` and `res.getHeaders()`.
 * 8. The extension EOV_ALLOW_UNKNOWN_QUERY on an operation lets its query string hold undeclared parameters.
 * 9. EOV loads its own `path-to-regexp` (8.x) and calls that module's `pathToRegexp(route, { sensitive, strict })`
 *    export on each request; path-to-regexp 8 ignores `strict` (it reads `trailing`), which the route cache
 *    translates.
 * 10. Loading a spec constructs `framework/openapi.schema.validator`'s `OpenAPISchemaValidator` export (read from the
 *    module at each load) with `{ version, validateApiSpec }` and calls only its `validate(document)`, and only when
 *    `validateApiSpec` is on; eov-spec-check.ts defers its compile to that call.
 */
export const EOV_VERSION = '5.6.2';

/** Item 2: the handlers of `OpenApiValidator.middleware()`, by their function names. */
export const EOV_STEPS = {
  loadSpec: 'pathParamsMiddleware',
  findOperation: 'metadataMiddleware',
  authenticate: 'securityMiddleware',
  validateRequest: 'requestMiddleware',
  validateResponse: 'responseMiddleware',
} as const;

/** Item 3: the Express settings EOV reads to match paths; the adapter turns both on (exact paths). */
export const EOV_ROUTING_SETTINGS = ['strict routing', 'case sensitive routing'] as const;

/** Item 8. */
export const EOV_ALLOW_UNKNOWN_QUERY = 'x-eov-allow-unknown-query-parameters';

/**
 * Item 2: EOV's handlers by role, or a start-up error naming the one that is gone. The response step exists only
 * when response validation is on.
 */
export function eovSteps<Step extends { name: string }>(
  steps: Step[],
): { [Role in Exclude<keyof typeof EOV_STEPS, 'validateResponse'>]: Step } & { validateResponse: Step | undefined } {
  const names = steps.map((step) => step.name);
  const find = (role: keyof typeof EOV_STEPS): Step => {
    const step = steps.find((candidate) => candidate.name === EOV_STEPS[role]);
    if (!step) {
      throw new Error(
        `express-openapi-validator has no "${EOV_STEPS[role]}" step (it has ${names.join(', ')}); ` +
          `server/http/eov-internals.ts was written for ${EOV_VERSION}`,
      );
    }
    return step;
  };
  return {
    loadSpec: find('loadSpec'),
    findOperation: find('findOperation'),
    authenticate: find('authenticate'),
    validateRequest: find('validateRequest'),
    validateResponse: steps.find((step) => step.name === EOV_STEPS.validateResponse),
  };
}

/** Item 2: calls one Express handler; `next(err)` rejects, and `onError` also sees a later `next(err)` (item 7). */
export function runEovStep(step: unknown, req: object, res: object, onError: (error: unknown) => void = () => {}): Promise<void> {
  if (typeof step !== 'function') return Promise.reject(new TypeError('not an express-openapi-validator step'));
  return new Promise((resolve, reject) => {
    // Typed for Express's Request/Response; the shims carry the subset listed in item 4.
    Reflect.apply(step, undefined, [req, res, (error?: unknown) => {
      if (error === undefined || error === null) return resolve();
      onError(error);
      reject(error);
    }]);
  });
}
