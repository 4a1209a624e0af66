import { createRequire } from 'node:module';

type Compile = (path: string, options?: Record<string, unknown>) => unknown;
interface PathToRegexpModule {
  pathToRegexp: Compile;
}

const cached = new WeakSet<Compile>();

/**
 * express-openapi-validator 5.6.2 finds a request's operation by compiling every route of the spec with
 * path-to-regexp again on each request (`lookupRoute` in openapi.metadata.js): 16 % of a `GET /me`'s CPU in the
 * profile (bench/FINDINGS.md). The patterns are the spec's own and path-to-regexp is a pure function of its
 * arguments, so each pattern is compiled once and the result reused.
 *
 * This replaces the `pathToRegexp` export of the path-to-regexp copy that EOV loads (EOV looks it up at each call),
 * and translates EOV's `strict` option, which path-to-regexp 8 no longer reads, into its `trailing`.
 * Only calls whose options are EOV's (`sensitive`, `strict`) are cached; any other caller of that copy, such as
 * @koa/router at start-up with more options, gets the original function's fresh answer.
 */
export function compileEovRoutesOnce(): void {
  const fromEov = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
  const library = fromEov('path-to-regexp') as PathToRegexpModule;
  const compile = library.pathToRegexp;
  if (cached.has(compile)) return;
  const compiled = new Map<string, unknown>();
  const compileOnce: Compile = (path, options) => {
    if (typeof path !== 'string' || !hasOnlyEovOptions(options)) return compile(path, options);
    const sensitive = options?.sensitive === true, strict = options?.strict === true;
    const key = `${sensitive ? 's' : '-'}${strict ? 's' : '-'}${path}`;
    let result = compiled.get(key);
    if (result === undefined) {
      // path-to-regexp 8 dropped `strict` for `trailing` (default true: `/me/` matches `/me`), and EOV still
      // passes `strict`: without this, `/metrics/` would match `/metrics` whatever the app says.
      result = compile(path, { sensitive, trailing: !strict });
      compiled.set(key, result);
    }
    return result;
  };
  cached.add(compileOnce);
  library.pathToRegexp = compileOnce;
}

function hasOnlyEovOptions(options: Record<string, unknown> | undefined): boolean {
  if (options === undefined) return true;
  for (const name in options) if (name !== 'sensitive' && name !== 'strict') return false;
  return true;
}

/**
 * The operation EOV found for a path with no parameters, by method and exact path, so the next request skips
 * EOV's walk over every route (`lookupRoute`, 7 % of a `GET /me` even with the patterns compiled once). Only a
 * path spelled exactly as the spec writes it is kept (`/api/v1/users/me`, not `/API/V1/USERS/ME/`), which bounds
 * the entries by the spec's own operations; everything else takes EOV's lookup as before.
 */
export class StaticOperationMatches {
  private readonly matches = new Map<string, Readonly<Record<string, unknown>>>();

  /** A fresh copy of what EOV set as `req.openapi` for this method and path, if it was kept. */
  find(method: string, path: string): Record<string, unknown> | undefined {
    const known = this.matches.get(`${method} ${path}`);
    return known && { ...known, pathParams: {} };
  }

  /** Keeps EOV's `req.openapi` when it names an operation at exactly this path, without path parameters. */
  remember(method: string, path: string, openapi: unknown): void {
    if (typeof openapi !== 'object' || openapi === null) return;
    const { openApiRoute, pathParams, schema } = openapi as Record<string, unknown>;
    const hasParameters = typeof pathParams !== 'object' || pathParams === null || Object.keys(pathParams).length > 0;
    if (openApiRoute !== path || hasParameters || typeof schema !== 'object' || schema === null) return;
    this.matches.set(`${method} ${path}`, { ...openapi });
  }
}
