import { describe, expect, it } from 'vitest';
import { listOperations, loadApiSpec } from '../server/api-spec.js';
import { isRecord } from './helpers/http.js';

/**
 * The statuses the server gives every operation of a kind, whatever its handler does, must be in the contract
 * for each such operation (the fuzz oracle checks the same on the wire, with no exemption).
 */
const { document } = loadApiSpec();
const operations = listOperations(document).map(({ operationId, path, method }) => {
  const operation = document.paths[path]?.[method];
  const responses = isRecord(operation) && isRecord(operation.responses) ? Object.keys(operation.responses) : [];
  const security = isRecord(operation) && Array.isArray(operation.security) ? operation.security : [];
  return {
    operationId,
    statuses: responses,
    needsToken: security.some((requirement) => isRecord(requirement) && Object.keys(requirement).length > 0),
    takesBody: isRecord(operation) && isRecord(operation.requestBody),
  };
});

describe('statuses every operation of a kind can get are in openapi.yaml', () => {
  it.each(operations.filter((operation) => operation.takesBody).map((operation) => [operation.operationId, operation.statuses] as const))(
    '%s, which takes a body, lists 400 (malformed_body), 413, 415 and 422',
    (_id, statuses) => {
      expect(statuses).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
    },
  );

  it.each(operations.filter((operation) => operation.needsToken).map((operation) => [operation.operationId, operation.statuses] as const))(
    '%s, which needs a token, lists 401 and 400 (duplicate_authorization)',
    (_id, statuses) => {
      expect(statuses).toEqual(expect.arrayContaining(['400', '401']));
    },
  );

  it.each(operations.filter((operation) => !operation.takesBody).map((operation) => [operation.operationId, operation.statuses] as const))(
    '%s, which takes no body, lists neither 413 nor 415 (a body sent to it is ignored, never read)',
    (_id, statuses) => {
      expect(statuses).not.toContain('413');
      expect(statuses).not.toContain('415');
    },
  );
});
