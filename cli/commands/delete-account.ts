import type { CommandContext } from '../command-context.js';
import { assertCanConfirm, confirm } from '../confirm.js';
import { deleteCredentials } from '../credentials.js';
import { printJson, printLine } from '../output.js';
import { readPassword } from '../password-input.js';
import { requireSession, sessionRefused } from '../session.js';

export interface DeleteAccountOptions {
  passwordStdin?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** Asks "are you sure" (unless --yes), then the password, which the server checks; on success the stored session goes too. */
export async function run({ baseUrl }: CommandContext, options: DeleteAccountOptions): Promise<void> {
  assertCanConfirm(options.yes === true, 'delete the account');
  const session = await requireSession(baseUrl);
  const { user } = session.credentials;
  if (!options.yes) await confirm(`Delete the account ${user.email} at ${baseUrl}, with all its sessions? This cannot be undone.`);
  const password = await readPassword({
    fromStdin: options.passwordStdin === true,
    confirm: false,
    example: `printf '%s\\n' "$PASSWORD" | authcli delete-account --password-stdin --yes`,
  });
  const { error, response } = await session.client.DELETE('/api/v1/users/me', { body: { password } });
  if (!response.ok) throw sessionRefused(baseUrl, response, error);
  deleteCredentials(baseUrl);
  if (options.json) return printJson({ base_url: baseUrl, deleted: true, user });
  printLine(`Deleted the account ${user.email} at ${baseUrl}; its stored credentials are gone too.`);
}
