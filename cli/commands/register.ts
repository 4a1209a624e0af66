import { createApiClient } from '../client.js';
import type { CommandContext } from '../command-context.js';
import { printUser } from '../output.js';
import { readPassword } from '../password-input.js';
import { serverRefused } from '../server-refusal.js';

export interface RegisterOptions {
  email: string;
  fullName?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** Creates the account; does not log in, so a script can register many users without touching stored credentials. */
export async function run({ baseUrl }: CommandContext, options: RegisterOptions): Promise<void> {
  const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: true });
  const { data, error, response } = await createApiClient(baseUrl).POST('/api/v1/users/register', {
    body: { email: options.email, password, ...(options.fullName === undefined ? {} : { full_name: options.fullName }) },
  });
  if (!data) throw serverRefused(response, error);
  printUser(data, { json: options.json === true });
}
