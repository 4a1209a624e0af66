import { createApiClient } from '../client.js';
import type { CommandContext } from '../command-context.js';
import { saveCredentials } from '../credentials.js';
import { formatTime, printFields, printJson } from '../output.js';
import { readPassword } from '../password-input.js';
import { serverRefused } from '../server-refusal.js';
import { credentialsFromTokens } from '../session.js';

export interface LoginOptions {
  email: string;
  passwordStdin?: boolean;
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: LoginOptions): Promise<void> {
  const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: false });
  const login = await createApiClient(baseUrl).POST('/api/v1/users/login', { body: { email: options.email, password } });
  if (!login.data) throw serverRefused(login.response, login.error);

  // The token response does not say whose it is; asking /me both answers
  // "who is logged in" and proves the token works before it is stored.
  const me = await createApiClient(baseUrl, { accessToken: login.data.access_token }).GET('/api/v1/users/me');
  if (!me.data) throw serverRefused(me.response, me.error);

  const session = credentialsFromTokens(baseUrl, login.data, me.data);
  saveCredentials(session);
  if (options.json) {
    printJson({ base_url: baseUrl, user: me.data, access_token_expires_at: session.access_token_expires_at });
    return;
  }
  printFields([
    ['logged in as', me.data.email],
    ['server', baseUrl],
    ['token expires', formatTime(session.access_token_expires_at)],
  ]);
}
