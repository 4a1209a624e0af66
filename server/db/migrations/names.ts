/**
 * The migrations in the order they apply, by name: what the server compares with the database's
 * `mikro_orm_migrations` table at start, without loading the migration classes and the migrator behind them
 * (@mikro-orm/migrations pulls in umzug and its command-line parser, a third of a second at every start).
 * index.ts maps each name to its class, and its type makes the two lists agree.
 */
export const MIGRATION_NAMES = [
  'Migration20261126000001_create_users',
  'Migration20261126000002_sessions_and_audit',
  'Migration20261203200000_mail',
  'Migration20261203300000_mfa',
] as const;

export type MigrationName = (typeof MIGRATION_NAMES)[number];
