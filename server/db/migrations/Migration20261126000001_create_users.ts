import { SchemaMigration } from './schema-migration.js';

export class Migration20261126000001_create_users extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.createTable('users', (table) => {
        table.increments('id').primary();
        table.string('email', 254).notNullable().unique('users_email_unique');
        table.string('password_hash', 100).notNullable();
        table.string('full_name', 200).nullable();
        table.string('role', 16).notNullable().defaultTo('member');
        table.boolean('is_active').notNullable().defaultTo(true);
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('updated_at', { useTz: true }).notNullable();
      }),
    );
  }

  override down(): void {
    this.addSchema(this.getKnex().schema.dropTable('users'));
  }
}
