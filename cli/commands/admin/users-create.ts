import { Option } from '@commander-js/extra-typings';
import { ROLES } from '../../arguments.js';
import { assertLoginAtHand, commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import { printUser } from '../../output.js';
import { readPassword } from '../../password-input.js';
import type { CommandParent } from '../../program.js';

const STDIN_EXAMPLE = `printf '%s\\n' "$TEMPORARY_PASSWORD" | authcli admin users create --email bob@example.com --password-stdin`;

/** The admin sets a temporary password and passes it on; registration's password policy applies to it. */
export function addUsersCreateCommand(users: CommandParent): void {
  users
    .command('create')
    .description('create an account with a temporary password you pass on to its owner')
    .requiredOption('--email <email>', 'the new account’s email')
    .option('--full-name <name>', 'the name to show')
    .addOption(new Option('--role <role>', 'the account’s role (the server’s default: member)').choices(ROLES))
    .option('--password-stdin', 'read the temporary password from standard input instead of asking (twice) on the terminal')
    .option('--json', 'print the new user as JSON, as the API returns it')
    .addHelpText('after', examples(['authcli admin users create --email bob@example.com --full-name "Bob Example"', 'authcli admin users create --email carol@example.com --role admin', STDIN_EXAMPLE]))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      await assertLoginAtHand(context);
      const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: true, example: STDIN_EXAMPLE });
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.POST('/api/v1/admin/users', {
        body: {
          email: options.email,
          password,
          ...(options.fullName === undefined ? {} : { full_name: options.fullName }),
          ...(options.role === undefined ? {} : { role: options.role }),
        },
      });
      if (!data) throw sessionRefused(context, response, error);
      printUser(data, { json: options.json === true, admin: true });
    });
}
