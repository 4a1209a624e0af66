import { createApiClient } from '../client.js';
import type { CommandContext } from '../command-context.js';
import { printUser } from '../output.js';
import { requireSession, sessionRefused } from '../session.js';

export interface MeOptions {
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: MeOptions): Promise<void> {
  const session = await requireSession(baseUrl);
  const { data, error, response } = await createApiClient(baseUrl, { accessToken: session.access_token }).GET('/api/v1/users/me');
  if (!data) throw sessionRefused(baseUrl, response, error);
  printUser(data, { json: options.json === true });
}
