import type { CommandContext } from '../command-context.js';
import { printUser } from '../output.js';
import { requireSession, sessionRefused } from '../session.js';

export interface MeOptions {
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: MeOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  const { data, error, response } = await client.GET('/api/v1/users/me');
  if (!data) throw sessionRefused(baseUrl, response, error);
  printUser(data, { json: options.json === true });
}
