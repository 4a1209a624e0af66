import { userIdArgument } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { examples } from '../../help-text.js';
import { printJson, printLine } from '../../output.js';
import type { CommandParent } from '../../program.js';

export function addUsersDeleteCommand(users: CommandParent): void {
  users
    .command('delete')
    .description('delete an account and all its sessions; asks first unless --yes')
    .addArgument(userIdArgument())
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli admin users delete 42', 'authcli admin users delete 42 --yes']))
    .action(async (userId, options, command) => {
      const context = commandContext(command.optsWithGlobals());
      assertCanConfirm(options.yes === true, 'delete the account');
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      if (!options.yes) {
        // The question names the account, not only its id: a mistyped id should be caught here.
        const { data, error, response } = await client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId } } });
        if (!data) throw sessionRefused(context, response, error);
        await confirm(`Delete the account ${data.email} (id ${userId}), with all its sessions? This cannot be undone.`);
      }
      const { error, response } = await client.DELETE('/api/v1/admin/users/{userId}', { params: { path: { userId } } });
      if (!response.ok) throw sessionRefused(context, response, error);
      if (options.json) return printJson({ id: userId, deleted: true });
      printLine(`Deleted account ${userId}.`);
    });
}
