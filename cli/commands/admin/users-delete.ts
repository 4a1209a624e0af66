import type { CommandContext } from '../../command-context.js';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { printJson, printLine } from '../../output.js';
import { requireSession, sessionRefused } from '../../session.js';

export interface UsersDeleteOptions {
  id: number;
  yes?: boolean;
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: UsersDeleteOptions): Promise<void> {
  assertCanConfirm(options.yes === true, 'delete the account');
  const { client } = await requireSession(baseUrl);
  const userId = options.id;
  if (!options.yes) {
    // The question names the account, not only its id: a mistyped id should be caught here.
    const { data, error, response } = await client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId } } });
    if (!data) throw sessionRefused(baseUrl, response, error);
    await confirm(`Delete the account ${data.email} (id ${userId}), with all its sessions? This cannot be undone.`);
  }
  const { error, response } = await client.DELETE('/api/v1/admin/users/{userId}', { params: { path: { userId } } });
  if (!response.ok) throw sessionRefused(baseUrl, response, error);
  if (options.json) return printJson({ id: userId, deleted: true });
  printLine(`Deleted account ${userId}.`);
}
