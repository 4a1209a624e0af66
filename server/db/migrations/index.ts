import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000001_create_users } from './Migration20261126000001_create_users.js';
import { Migration20261126000002_sessions_and_audit } from './Migration20261126000002_sessions_and_audit.js';
import { Migration20261203200000_mail } from './Migration20261203200000_mail.js';
import { Migration20261203300000_mfa } from './Migration20261203300000_mfa.js';
import { MIGRATION_NAMES, type MigrationName } from './names.js';

/**
 * Registered explicitly rather than found by globbing, so the TypeScript sources and the compiled `dist/` always
 * run the same list. A name missing here, or a class under a name names.ts lacks, does not compile.
 */
const CLASSES: Record<MigrationName, MigrationObject['class']> = {
  Migration20261126000001_create_users,
  Migration20261126000002_sessions_and_audit,
  Migration20261203200000_mail,
  Migration20261203300000_mfa,
};

export const migrationsList: MigrationObject[] = MIGRATION_NAMES.map((name) => ({ name, class: CLASSES[name] }));
