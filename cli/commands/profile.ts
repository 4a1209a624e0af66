import { commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { printUser } from '../output.js';
import type { CommandParent } from '../program.js';

export function addProfileCommand(parent: CommandParent): void {
  parent
    .command('profile')
    .description('change your profile and print it')
    .requiredOption('--full-name <name>', 'the name to show ("" clears it)')
    .option('--json', 'print the user as JSON, as the API returns it')
    .addHelpText('after', examples(['authcli profile --full-name "Alice Example"', 'authcli profile --full-name ""']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../session.js');
      const { client } = await requireSession(context);
      // The API's "no name" is null, not an empty string.
      const fullName = options.fullName.trim() === '' ? null : options.fullName;
      const { data, error, response } = await client.PATCH('/api/v1/users/me', { body: { full_name: fullName } });
      if (!data) throw sessionRefused(context, response, error);
      printUser(data, { json: options.json === true });
    });
}
