import { pageOptions } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import { formatTime, printJson, printPage } from '../../output.js';
import type { CommandParent } from '../../program.js';

export function addUsersListCommand(users: CommandParent): void {
  const page = pageOptions('accounts');
  users
    .command('list')
    .description('list accounts, oldest first, a page at a time')
    .addOption(page.limit)
    .addOption(page.offset)
    .option('--email <email>', 'only the account with this email')
    .option('--json', 'print the page as JSON, as the API returns it ({items, total})')
    .addHelpText('after', examples(['authcli admin users list', 'authcli admin users list --limit 50 --offset 50', 'authcli admin users list --json | jq -r \'.items[].email\'']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.GET('/api/v1/admin/users', {
        params: { query: { limit: options.limit, offset: options.offset, email: options.email } },
      });
      if (!data) throw sessionRefused(context, response, error);
      if (options.json) return printJson(data);
      printPage(
        'accounts',
        { offset: options.offset ?? 0, total: data.total },
        ['id', 'email', 'role', 'active', 'created', 'full name'],
        data.items.map((user) => [user.id, user.email, user.role, user.is_active, formatTime(user.created_at), user.full_name]),
      );
    });
}
