import { userIdArgument } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import type { CommandParent } from '../../program.js';

/** `activate` and `deactivate`: one switch, two commands, so each reads as what it does. */
export function addUsersActivateCommand(users: CommandParent): void {
  addActivationCommand(users, 'activate', 'let an account log in again', true);
}

export function addUsersDeactivateCommand(users: CommandParent): void {
  addActivationCommand(users, 'deactivate', 'stop an account from logging in and end all its sessions', false);
}

function addActivationCommand(users: CommandParent, name: 'activate' | 'deactivate', description: string, active: boolean): void {
  users
    .command(name)
    .description(description)
    .addArgument(userIdArgument())
    .option('--json', 'print the updated user as JSON, as the API returns it')
    .addHelpText('after', examples([`authcli admin users ${name} 42`]))
    .action(async (userId, options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { updateUser } = await import('./update-user.js');
      await updateUser(context, userId, { is_active: active }, options);
    });
}
