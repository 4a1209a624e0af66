import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { HTTP_METHODS } from '../../server/api-spec.js';

/** A JSON Schema of the OpenAPI 3.0 dialect, every `$ref` already resolved. */
export type Schema = { [keyword: string]: unknown };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface ResponseSpec {
  /** Media type → schema; empty when the response has no body (e.g. 204). */
  content: Map<string, Schema>;
  headers: Map<string, Schema>;
}

export interface Operation {
  operationId: string;
  /** Upper case, as sent on the wire. */
  method: string;
  /** The template, e.g. `/api/v1/admin/users/{userId}`. */
  path: string;
  /** Whether every security requirement needs a credential (none is `{}`). */
  requiresAuth: boolean;
  /** Every scope any requirement names, e.g. `['admin']`. */
  scopes: string[];
  parameters: Parameter[];
  requestBody: { required: boolean; content: Map<string, Schema> } | undefined;
  /** Keyed by the spec's status key: `200`, `4XX` or `default`. */
  responses: Map<string, ResponseSpec>;
}

export interface ApiModel {
  operations: Operation[];
  /** Every path template with the methods it takes (upper case). */
  methodsByPath: Map<string, string[]>;
  /** The schema of the spec's `application/problem+json` documents, for statuses no operation lists. */
  problemSchema: Schema;
}

export const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

/** Reads openapi.yaml with every `$ref` resolved; each operation becomes what the generators need. */
export async function loadApiModel(path = SPEC_PATH): Promise<ApiModel> {
  const document: unknown = await SwaggerParser.dereference(path);
  const doc = record(document, 'the document');
  const operations: Operation[] = [];
  const methodsByPath = new Map<string, string[]>();
  let problemSchema: Schema | undefined;

  for (const [path, itemValue] of Object.entries(record(doc.paths, 'paths'))) {
    const item = record(itemValue, path);
    const shared = list(item.parameters).map(readParameter);
    for (const method of HTTP_METHODS) {
      if (item[method] === undefined) continue;
      const operation = record(item[method], `${method} ${path}`);
      const operationId = text(operation.operationId, `operationId of ${method} ${path}`);
      const own = list(operation.parameters).map(readParameter);
      // Operation-level parameters override path-level ones of the same name and location.
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      const requirements = list(operation.security ?? doc.security).map((r) => record(r, 'security requirement'));
      const responses = new Map<string, ResponseSpec>();
      for (const [status, responseValue] of Object.entries(record(operation.responses, `${operationId} responses`))) {
        const response = readResponse(responseValue);
        responses.set(status, response);
        problemSchema ??= response.content.get('application/problem+json');
      }
      operations.push({
        operationId,
        method: method.toUpperCase(),
        path,
        requiresAuth: requirements.length > 0 && requirements.every((r) => Object.keys(r).length > 0),
        scopes: [...new Set(requirements.flatMap((r) => Object.values(r).flatMap((scopes) => list(scopes).map(String))))],
        parameters,
        requestBody: operation.requestBody === undefined ? undefined : readRequestBody(operation.requestBody),
        responses,
      });
      methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method.toUpperCase()]);
    }
  }
  if (!problemSchema) throw new Error('openapi.yaml documents no application/problem+json response');
  return { operations, methodsByPath, problemSchema };
}

function readParameter(value: unknown): Parameter {
  const parameter = record(value, 'parameter');
  const location = parameter.in;
  if (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'cookie') {
    throw new Error(`parameter with unknown location ${String(location)}`);
  }
  return {
    name: text(parameter.name, 'parameter name'),
    in: location,
    required: parameter.required === true,
    schema: parameter.schema === undefined ? {} : record(parameter.schema, 'parameter schema'),
  };
}

function readRequestBody(value: unknown): { required: boolean; content: Map<string, Schema> } {
  const body = record(value, 'requestBody');
  return { required: body.required === true, content: readContent(body.content) };
}

function readResponse(value: unknown): ResponseSpec {
  const response = record(value, 'response');
  const headers = new Map<string, Schema>();
  for (const [name, header] of Object.entries(response.headers === undefined ? {} : record(response.headers, 'headers'))) {
    const schema = record(header, name).schema;
    headers.set(name.toLowerCase(), schema === undefined ? {} : record(schema, `${name} schema`));
  }
  return { content: readContent(response.content), headers };
}

function readContent(value: unknown): Map<string, Schema> {
  const content = new Map<string, Schema>();
  if (value === undefined) return content;
  for (const [mediaType, media] of Object.entries(record(value, 'content'))) {
    const schema = record(media, mediaType).schema;
    content.set(mediaType, schema === undefined ? {} : record(schema, `${mediaType} schema`));
  }
  return content;
}

export function matchSpecPath(api: ApiModel, path: string): string | undefined {
  const bare = path.split('?')[0] ?? path;
  for (const template of api.methodsByPath.keys()) {
    const pattern = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
    if (new RegExp(`^${pattern}/?$`, 'i').test(bare)) return template;
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`openapi.yaml: ${what} is not an object`);
  return value;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`openapi.yaml: ${what} is not a string`);
  return value;
}
