import { examples } from '../../help-text.js';
import type { CommandParent } from '../../program.js';

export function addUsersGroup(admin: CommandParent): CommandParent {
  return admin
    .command('users')
    .description('list, create, show, change, unlock and delete accounts, and remove a lost authenticator app')
    .addHelpText('after', examples(['authcli admin users list --email alice@example.com', 'authcli admin users deactivate 42']));
}
