import type { CommandContext } from '../../command-context.js';
import { formatTime, printJson, printPage } from '../../output.js';
import { requireSession, sessionRefused } from '../../session.js';

export interface UsersListOptions {
  limit?: number;
  offset?: number;
  email?: string;
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: UsersListOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  const { data, error, response } = await client.GET('/api/v1/admin/users', {
    params: { query: { limit: options.limit, offset: options.offset, email: options.email } },
  });
  if (!data) throw sessionRefused(baseUrl, response, error);
  if (options.json) return printJson(data);
  printPage(
    'accounts',
    { offset: options.offset ?? 0, total: data.total },
    ['id', 'email', 'role', 'active', 'created', 'full name'],
    data.items.map((user) => [user.id, user.email, user.role, user.is_active, formatTime(user.created_at), user.full_name]),
  );
}
