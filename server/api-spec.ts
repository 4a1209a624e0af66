import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface ApiSpec {
  /** The file as written, served at /openapi.yaml. */
  yaml: string;
  /** The same document as an object, served at /openapi.json and given to the validator. */
  document: OpenApiDocument;
  /**
   * Whether the build already ran the request validator's own check of the document (dist/openapi.json, written by
   * scripts/build-spec-cache.mjs for this exact text), so the validator need not run it again at start.
   */
  checked: boolean;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * The package root, found by walking up to the folder holding openapi.yaml:
 * this file runs both as `server/api-spec.ts` and as `dist/server/api-spec.js`.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'openapi.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('openapi.yaml not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** `cachePath`: the build's parsed and checked copy (tests point it elsewhere). */
export function loadApiSpec(path = join(packageRoot(), 'openapi.yaml'), cachePath = join(packageRoot(), 'dist/openapi.json')): ApiSpec {
  const yaml = readFileSync(path, 'utf8');
  const built = builtDocument(yaml, cachePath);
  const document: unknown = built ?? parse(yaml);
  if (!isOpenApiDocument(document)) throw new Error(`${path} is not an OpenAPI 3 document`);
  return { yaml, document, checked: built !== undefined };
}

/**
 * The document the build parsed and checked from this very text, by the validator installed now, if there is one:
 * JSON parses in a millisecond where the YAML takes a tenth of a second, and the validator's check of it another
 * two. A cache checked by another release of the validator (upgraded since the build) is not trusted: its check
 * may have changed.
 */
function builtDocument(yaml: string, cachePath: string): unknown {
  let cache: unknown;
  try {
    cache = JSON.parse(readFileSync(cachePath, 'utf8'));
  } catch {
    return undefined; // not built (tests run the sources), or unreadable: parse the YAML
  }
  if (typeof cache !== 'object' || cache === null || !('sha256' in cache) || !('document' in cache) || !('checkedBy' in cache)) return undefined;
  const same = cache.sha256 === createHash('sha256').update(yaml).digest('hex') && cache.checkedBy === installedValidator();
  return same ? cache.document : undefined;
}

/** `express-openapi-validator@<version>`, as scripts/build-spec-cache.mjs writes it into the cache. */
function installedValidator(): string {
  const { version } = createRequire(import.meta.url)('express-openapi-validator/package.json') as { version: string };
  return `express-openapi-validator@${version}`;
}

function isOpenApiDocument(value: unknown): value is OpenApiDocument {
  if (typeof value !== 'object' || value === null) return false;
  return 'openapi' in value && typeof value.openapi === 'string' && 'paths' in value && typeof value.paths === 'object';
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OperationRoute {
  operationId: string;
  method: HttpMethod;
  /** The spec's path template, e.g. `/api/v1/admin/users/{id}`. */
  path: string;
}

/** Every operation in the document, in the order written. */
export function listOperations(document: OpenApiDocument): OperationRoute[] {
  const routes: OperationRoute[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (typeof operation !== 'object' || operation === null || !('operationId' in operation)) continue;
      if (typeof operation.operationId !== 'string') continue;
      routes.push({ operationId: operation.operationId, method, path });
    }
  }
  return routes;
}
