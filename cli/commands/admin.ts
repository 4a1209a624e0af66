import { examples } from '../help-text.js';
import type { CommandParent } from '../program.js';

/** `admin users …` and `admin audit`: the admin API. The server checks the role on every request (403 → exit 1). */
export function addAdminGroup(parent: CommandParent): CommandParent {
  return parent
    .command('admin')
    .description('manage accounts and read the audit log (needs the admin role)')
    .addHelpText('after', examples(['authcli admin users list', 'authcli admin users set-role 42 admin', 'authcli admin audit --user 42']));
}
