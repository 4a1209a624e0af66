import type { OpenApiDocument } from '../api-spec.js';

/** Tokens must never be cached, by the browser or any proxy (RFC 6749 §5.1: `no-store`, and `no-cache` for HTTP/1.0). */
export const TOKEN_RESPONSE_HEADERS: Readonly<Record<string, string>> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const TOKENS_ISSUED = '#/components/responses/TokensIssued';
const TOKEN_RESPONSE = '#/components/schemas/TokenResponse';

/**
 * The statuses at which an operation answers with tokens, read from the spec: a `TokensIssued` response, or a
 * body whose schema is `TokenResponse`. The router sets TOKEN_RESPONSE_HEADERS on exactly those answers, so no
 * handler (login, refresh, a password change, or any later one) has to remember them.
 */
export function tokenStatuses(document: OpenApiDocument, path: string, method: string): Set<number> {
  const operation = document.paths[path]?.[method];
  const responses: unknown = isRecord(operation) ? operation.responses : undefined;
  const statuses = new Set<number>();
  for (const [status, response] of Object.entries(isRecord(responses) ? responses : {})) {
    if (isRecord(response) && (response.$ref === TOKENS_ISSUED || hasTokenSchema(response))) statuses.add(Number(status));
  }
  return statuses;
}

function hasTokenSchema(response: Record<string, unknown>): boolean {
  const content = isRecord(response.content) ? Object.values(response.content) : [];
  return content.some((media) => isRecord(media) && isRecord(media.schema) && media.schema.$ref === TOKEN_RESPONSE);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
