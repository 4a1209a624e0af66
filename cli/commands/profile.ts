import type { CommandContext } from '../command-context.js';
import { printUser } from '../output.js';
import { requireSession, sessionRefused } from '../session.js';

export interface ProfileOptions {
  fullName: string;
  json?: boolean;
}

/** `--full-name ""` clears the name: the API's "no name" is null, not an empty string. */
export async function run({ baseUrl }: CommandContext, options: ProfileOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  const fullName = options.fullName.trim() === '' ? null : options.fullName;
  const { data, error, response } = await client.PATCH('/api/v1/users/me', { body: { full_name: fullName } });
  if (!data) throw sessionRefused(baseUrl, response, error);
  printUser(data, { json: options.json === true });
}
