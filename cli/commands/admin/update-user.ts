import type { operations } from '../../../generated/openapi.js';
import type { CommandContext } from '../../command-context.js';
import { printUser } from '../../output.js';
import { requireSession, sessionRefused } from '../../session.js';

type UserUpdate = NonNullable<operations['updateUser']['requestBody']>['content']['application/json'];

/**
 * The action of `set-role`, `activate` and `deactivate`, loaded when one of
 * them runs. Demoting or deactivating ends the account's sessions at once
 * (the server does it); the last active admin is refused (409).
 */
export async function updateUser(context: CommandContext, userId: number, changes: UserUpdate, options: { json?: boolean }): Promise<void> {
  const { client } = await requireSession(context);
  const { data, error, response } = await client.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId } }, body: changes });
  if (!data) throw sessionRefused(context, response, error);
  printUser(data, { json: options.json === true, admin: true });
}
