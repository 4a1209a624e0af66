import { commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { printUser } from '../output.js';
import type { CommandParent } from '../program.js';

export function addMeCommand(parent: CommandParent): void {
  parent
    .command('me')
    .description('show the account you are logged in as')
    .option('--json', 'print the user as JSON, as the API returns it')
    .addHelpText('after', examples(['authcli me', 'authcli me --json | jq -r .email']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.GET('/api/v1/users/me');
      if (!data) throw sessionRefused(context, response, error);
      printUser(data, { json: options.json === true, verification: true });
    });
}
