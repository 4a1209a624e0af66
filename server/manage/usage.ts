import { roleValues } from '../../generated/openapi.js';

/**
 * Each operator command's usage line, in one module that loads nothing: a usage error should not wait for the ORM.
 * The roles are the contract's Role schema (generated), so a role added there shows here.
 */
export const USAGE = {
  setRole: `usage: npm run --silent manage -- set-role <email> <${roleValues.join('|')}>`,
  unlock: 'usage: npm run --silent manage -- unlock <email>',
  removeMfa: 'usage: npm run --silent manage -- remove-mfa <email>',
  keys: 'usage: npm run --silent manage -- keys generate [--alg ES256|RS256] [--status next|active] [--out <file>]',
} as const;
