import type { CommandContext } from '../../command-context.js';
import { printUser } from '../../output.js';
import { requireSession, sessionRefused } from '../../session.js';

export interface UsersShowOptions {
  id: number;
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: UsersShowOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  const { data, error, response } = await client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId: options.id } } });
  if (!data) throw sessionRefused(baseUrl, response, error);
  printUser(data, { json: options.json === true, admin: true });
}
