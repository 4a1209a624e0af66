import { SchemaMigration } from './schema-migration.js';

/** Issue 12: verified emails, the tokens of mailed links, and the outbox mail is sent from. */
export class Migration20261203200000_mail extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.alterTable('users', (table) => {
        table.timestamp('email_verified_at', { useTz: true }).nullable();
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('link_tokens', (table) => {
        table.increments('id').primary();
        table.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('cascade');
        table.string('purpose', 16).notNullable();
        table.string('token_hash', 64).notNullable().unique('link_tokens_token_hash_unique');
        table.string('email', 254).notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('expires_at', { useTz: true }).notNullable();
        table.timestamp('used_at', { useTz: true }).nullable();
        table.index(['user_id', 'purpose'], 'link_tokens_user_purpose_index');
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('mail_outbox', (table) => {
        table.increments('id').primary();
        table.string('kind', 24).notNullable();
        table.string('status', 16).notNullable();
        table.string('recipient', 254).notNullable();
        table.integer('user_id').nullable();
        table.string('subject', 200).nullable();
        table.text('text_body').nullable();
        table.text('html_body').nullable();
        table.integer('attempts').notNullable().defaultTo(0);
        table.timestamp('next_attempt_at', { useTz: true }).notNullable();
        table.string('claimed_by', 64).nullable();
        table.timestamp('lease_expires_at', { useTz: true }).nullable();
        table.string('last_error', 200).nullable();
        table.string('request_ip', 64).nullable();
        table.string('request_user_agent', 512).nullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('sent_at', { useTz: true }).nullable();
        table.index(['status', 'next_attempt_at'], 'mail_outbox_due_index');
      }),
    );
  }

  override down(): void {
    this.addSchema(this.getKnex().schema.dropTable('mail_outbox'));
    this.addSchema(this.getKnex().schema.dropTable('link_tokens'));
    this.addSchema(this.getKnex().schema.alterTable('users', (table) => table.dropColumn('email_verified_at')));
  }
}
