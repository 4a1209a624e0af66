import { Migration } from '@mikro-orm/migrations';
import type { Knex } from '@mikro-orm/knex';

/**
 * A migration written with knex's schema builder instead of raw SQL, so one
 * history applies to SQLite and PostgreSQL alike. The builder may render one
 * change as several statements (a table, then its indexes); each is queued
 * on its own because drivers run only the first statement of a string.
 */
export abstract class SchemaMigration extends Migration {
  protected addSchema(builder: Knex.SchemaBuilder): void {
    for (const statement of builder.toSQL()) this.addSql(statement.sql);
  }
}
