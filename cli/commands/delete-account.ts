import { assertLoginAtHand, commandContext } from '../command-context.js';
import { assertCanConfirm, confirm } from '../confirm.js';
import { examples } from '../help-text.js';
import { printJson, printLine } from '../output.js';
import { readPassword } from '../password-input.js';
import type { CommandParent } from '../program.js';

/** Asks "are you sure" (unless --yes), then the password, which the server checks; on success a stored login goes too. */
export function addDeleteAccountCommand(parent: CommandParent): void {
  parent
    .command('delete-account')
    .description('delete your account and all its sessions; asks for your password')
    .option('--password-stdin', 'read the password from standard input instead of asking on the terminal')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli delete-account', `printf '%s\\n' "$PASSWORD" | authcli delete-account --password-stdin --yes`]))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { baseUrl } = context;
      assertCanConfirm(options.yes === true, 'delete the account');
      await assertLoginAtHand(context);
      const askPassword = () =>
        readPassword({
          fromStdin: options.passwordStdin === true,
          confirm: false,
          example: `printf '%s\\n' "$PASSWORD" | authcli delete-account --password-stdin --yes`,
        });
      // With nothing to confirm, the prompt comes before anything slow, so nothing typed early is echoed.
      let password = options.yes ? await askPassword() : undefined;
      const { requireSession, sessionRefused } = await import('../session.js');
      const session = await requireSession(context);
      let user = session.source === 'stored' ? session.credentials.user : undefined;
      if (user === undefined) {
        const me = await session.client.GET('/api/v1/users/me');
        if (!me.data) throw sessionRefused(context, me.response, me.error);
        user = { id: me.data.id, email: me.data.email };
      }
      if (!options.yes) await confirm(`Delete the account ${user.email} at ${baseUrl}, with all its sessions? This cannot be undone.`);
      password ??= await askPassword();
      const { error, response } = await session.client.DELETE('/api/v1/users/me', { body: { password } });
      if (!response.ok) throw sessionRefused(context, response, error);
      if (session.source === 'stored') (await import('../credentials.js')).deleteCredentials(baseUrl);
      if (options.json) return printJson({ base_url: baseUrl, deleted: true, user });
      printLine(`Deleted the account ${user.email} at ${baseUrl}${session.source === 'stored' ? '; its stored credentials are gone too' : ''}.`);
    });
}
