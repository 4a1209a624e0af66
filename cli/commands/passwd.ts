import type { CommandContext } from '../command-context.js';
import { formatTime, printFields, printJson } from '../output.js';
import { readPasswordChange } from '../password-input.js';
import { requireSession, sessionRefused } from '../session.js';

export interface PasswdOptions {
  passwordStdin?: boolean;
  json?: boolean;
}

/**
 * The server ends every other session and answers with a new pair for this
 * one (the old refresh token is gone), so the pair is stored at once.
 */
export async function run({ baseUrl }: CommandContext, options: PasswdOptions): Promise<void> {
  // Before the prompts: someone not logged in should not type two passwords to learn it.
  const session = await requireSession(baseUrl);
  const { current, replacement } = await readPasswordChange(options.passwordStdin === true);
  const { data, error, response } = await session.client.POST('/api/v1/users/me/password', {
    body: { current_password: current, new_password: replacement },
  });
  if (!data) throw sessionRefused(baseUrl, response, error);
  session.storeTokens(data);
  const { user, access_token_expires_at } = session.credentials;
  if (options.json) return printJson({ base_url: baseUrl, user, password_changed: true, access_token_expires_at });
  printFields([
    ['password changed for', user.email],
    ['other sessions', 'logged out'],
    ['token expires', formatTime(access_token_expires_at)],
  ]);
}
