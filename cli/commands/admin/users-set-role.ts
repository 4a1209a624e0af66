import { Argument } from '@commander-js/extra-typings';
import { ROLES, userIdArgument } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import type { CommandParent } from '../../program.js';

export function addUsersSetRoleCommand(users: CommandParent): void {
  users
    .command('set-role')
    .description('make an account a member or an admin (a demotion logs it out everywhere)')
    .addArgument(userIdArgument())
    .addArgument(new Argument('<role>', 'the new role').choices(ROLES))
    .option('--json', 'print the updated user as JSON, as the API returns it')
    .addHelpText('after', examples(['authcli admin users set-role 42 admin', 'authcli admin users set-role 42 member']))
    .action(async (userId, role, options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { updateUser } = await import('./update-user.js');
      await updateUser(context, userId, { role }, options);
    });
}
