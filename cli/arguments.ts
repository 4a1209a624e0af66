import { Argument, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { auditEventTypeValues, roleValues } from '../generated/openapi.js';

/**
 * The contract's enums, for commander's `choices` (a bad value is a usage error, exit 2, before any request),
 * as openapi-typescript generates them from openapi.yaml (`--enum-values`).
 */
export const ROLES = [...roleValues];
export const AUDIT_EVENT_TYPES = [...auditEventTypeValues];

/** Ids, --limit, --user: only the shape is checked here; ranges (e.g. limit ≤ 100) are the server's to enforce and explain. */
export function positiveInteger(value: string): number {
  const number = wholeNumber(value);
  if (number < 1) throw new InvalidArgumentError('Expected a whole number of 1 or more.');
  return number;
}

export function nonNegativeInteger(value: string): number {
  return wholeNumber(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function sessionId(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('Expected a session id as `authcli sessions` lists it (a UUID).');
  return value;
}

function wholeNumber(value: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw new InvalidArgumentError('Expected a whole number.');
  return number;
}

/** `<id>` of `admin users …`: an account's id, checked before any request. */
export function userIdArgument() {
  return new Argument('<id>', 'the account’s id (see `authcli admin users list`)').argParser(positiveInteger);
}

/** --limit and --offset of a paged list. */
export function pageOptions(noun: string, serverDefault = 20) {
  return {
    limit: new Option('--limit <n>', `how many ${noun} to show (the server's default: ${serverDefault})`).argParser(positiveInteger),
    offset: new Option('--offset <n>', `how many ${noun} to skip first`).argParser(nonNegativeInteger),
  };
}
