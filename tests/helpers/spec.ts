import { HTTP_METHODS, loadApiSpec } from '../../server/api-spec.js';
import { isRecord } from './http.js';

/** openapi.yaml as the server reads it, so tests follow the contract instead of copying it. */
const { document } = loadApiSpec();

/** The property names a component schema declares, e.g. `schemaProperties('User')`. */
export function schemaProperties(name: string): string[] {
  const schemas = isRecord(document.components) ? document.components.schemas : undefined;
  const schema = isRecord(schemas) ? schemas[name] : undefined;
  if (!isRecord(schema) || !isRecord(schema.properties)) throw new Error(`openapi.yaml has no object schema ${name}`);
  return Object.keys(schema.properties);
}

/** The methods a path serves, as an `Allow` header lists them (upper-case, sorted). */
export function allowedMethods(path: string): string {
  const item = document.paths[path];
  if (!item) throw new Error(`openapi.yaml has no path ${path}`);
  return HTTP_METHODS.filter((method) => method in item)
    .map((method) => method.toUpperCase())
    .sort()
    .join(', ');
}
