import { SchemaMigration } from './schema-migration.js';

/** Authenticator apps, recovery codes, half-done logins, and how each session was authenticated (`amr`). */
export class Migration20261203300000_mfa extends SchemaMigration {
  override up(): void {
    const knex = this.getKnex();
    this.addSchema(
      knex.schema.createTable('mfa_factors', (table) => {
        table.increments('id').primary();
        table.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('cascade');
        table.string('secret_ciphertext', 255).notNullable();
        table.timestamp('confirmed_at', { useTz: true }).nullable();
        table.integer('last_used_step').nullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.unique(['user_id'], { indexName: 'mfa_factors_user_id_unique' });
      }),
    );
    this.addSchema(
      knex.schema.createTable('mfa_recovery_codes', (table) => {
        table.increments('id').primary();
        table.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('cascade');
        table.string('code_hash', 64).notNullable();
        table.timestamp('used_at', { useTz: true }).nullable();
        table.index(['user_id'], 'mfa_recovery_codes_user_id_index');
      }),
    );
    this.addSchema(
      knex.schema.createTable('mfa_challenges', (table) => {
        table.increments('id').primary();
        table.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('cascade');
        table.string('token_hash', 64).notNullable().unique('mfa_challenges_token_hash_unique');
        table.timestamp('expires_at', { useTz: true }).notNullable();
        table.timestamp('used_at', { useTz: true }).nullable();
        table.index(['user_id'], 'mfa_challenges_user_id_index');
      }),
    );
    this.addSchema(
      knex.schema.alterTable('sessions', (table) => {
        table.string('amr', 32).notNullable().defaultTo('pwd');
      }),
    );
  }

  override down(): void {
    const knex = this.getKnex();
    this.addSchema(knex.schema.alterTable('sessions', (table) => table.dropColumn('amr')));
    this.addSchema(knex.schema.dropTable('mfa_challenges'));
    this.addSchema(knex.schema.dropTable('mfa_recovery_codes'));
    this.addSchema(knex.schema.dropTable('mfa_factors'));
  }
}
