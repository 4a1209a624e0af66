import { SchemaMigration } from './schema-migration.js';

export class Migration20261126000002_sessions_and_audit extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.createTable('sessions', (table) => {
        table.uuid('id').primary();
        table.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('cascade');
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('last_used_at', { useTz: true }).notNullable();
        table.timestamp('idle_expires_at', { useTz: true }).notNullable();
        table.timestamp('absolute_expires_at', { useTz: true }).notNullable();
        table.timestamp('revoked_at', { useTz: true }).nullable();
        table.string('revoked_reason', 32).nullable();
        table.string('user_agent', 512).nullable();
        table.string('ip', 64).nullable();
        table.index(['user_id'], 'sessions_user_id_index');
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('refresh_tokens', (table) => {
        table.increments('id').primary();
        table.uuid('session_id').notNullable().references('id').inTable('sessions').onDelete('cascade');
        table.string('token_hash', 64).notNullable().unique('refresh_tokens_token_hash_unique');
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('spent_at', { useTz: true }).nullable();
        table.index(['session_id'], 'refresh_tokens_session_id_index');
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('audit_events', (table) => {
        table.increments('id').primary();
        table.timestamp('at', { useTz: true }).notNullable();
        table.string('event', 32).notNullable();
        table.integer('user_id').nullable();
        table.integer('actor_id').nullable();
        table.string('ip', 64).nullable();
        table.string('user_agent', 512).nullable();
        table.json('details').nullable();
        table.index(['at'], 'audit_events_at_index');
        table.index(['event'], 'audit_events_event_index');
        table.index(['user_id'], 'audit_events_user_id_index');
      }),
    );
  }

  override down(): void {
    this.addSchema(this.getKnex().schema.dropTable('audit_events'));
    this.addSchema(this.getKnex().schema.dropTable('refresh_tokens'));
    this.addSchema(this.getKnex().schema.dropTable('sessions'));
  }
}
