import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000001_create_users } from './Migration20261126000001_create_users.js';
import { Migration20261126000002_sessions_and_audit } from './Migration20261126000002_sessions_and_audit.js';
import { Migration20261203200000_mail } from './Migration20261203200000_mail.js';
import { Migration20261203300000_mfa } from './Migration20261203300000_mfa.js';

/**
 * Registered explicitly rather than found by globbing, so the TypeScript
 * sources and the compiled `dist/` always run the same list.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261126000001_create_users', class: Migration20261126000001_create_users },
  { name: 'Migration20261126000002_sessions_and_audit', class: Migration20261126000002_sessions_and_audit },
  { name: 'Migration20261203200000_mail', class: Migration20261203200000_mail },
  { name: 'Migration20261203300000_mfa', class: Migration20261203300000_mfa },
];
