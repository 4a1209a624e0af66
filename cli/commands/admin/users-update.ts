import type { components } from '../../../generated/openapi.js';
import type { CommandContext } from '../../command-context.js';
import { printUser } from '../../output.js';
import { requireSession, sessionRefused } from '../../session.js';

type Role = components['schemas']['Role'];

/** `set-role` gives `role`; `activate` and `deactivate` preset `active`. */
export interface UsersUpdateOptions {
  id: number;
  role?: Role;
  active?: boolean;
  json?: boolean;
}

/** Demoting or deactivating ends the account's sessions at once (the server does it); the last active admin is refused (409). */
export async function run({ baseUrl }: CommandContext, options: UsersUpdateOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  const { data, error, response } = await client.PATCH('/api/v1/admin/users/{userId}', {
    params: { path: { userId: options.id } },
    body: { ...(options.role === undefined ? {} : { role: options.role }), ...(options.active === undefined ? {} : { is_active: options.active }) },
  });
  if (!data) throw sessionRefused(baseUrl, response, error);
  printUser(data, { json: options.json === true, admin: true });
}
