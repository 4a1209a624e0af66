import { InvalidArgumentError } from 'commander';
import type { components } from '../generated/openapi.js';

type Role = components['schemas']['Role'];
type AuditEventType = components['schemas']['AuditEventType'];

/**
 * The contract's enums, for commander's `choices` (a bad value is a usage
 * error, exit 2, before any request). Written as records so that the
 * compiler fails when the generated types gain or lose a member.
 */
export const ROLES = keysOf<Role>({ member: true, admin: true });

export const AUDIT_EVENT_TYPES = keysOf<AuditEventType>({
  user_registered: true,
  login_succeeded: true,
  login_failed: true,
  login_throttled: true,
  tokens_refreshed: true,
  refresh_token_reused: true,
  logged_out: true,
  session_revoked: true,
  password_changed: true,
  profile_updated: true,
  role_changed: true,
  activation_changed: true,
  user_deleted: true,
});

function keysOf<Key extends string>(record: Record<Key, true>): Key[] {
  return Object.keys(record).filter((key): key is Key => key in record);
}

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
