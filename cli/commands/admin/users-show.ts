import { userIdArgument } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import { printUser } from '../../output.js';
import type { CommandParent } from '../../program.js';

export function addUsersShowCommand(users: CommandParent): void {
  users
    .command('show')
    .description('show one account')
    .addArgument(userIdArgument())
    .option('--json', 'print the user as JSON, as the API returns it')
    .addHelpText('after', examples(['authcli admin users show 42']))
    .action(async (userId, options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId } } });
      if (!data) throw sessionRefused(context, response, error);
      printUser(data, { json: options.json === true, admin: true });
    });
}
