import { userIdArgument } from '../../arguments.js';
import { assertLoginAtHand, commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import { printJson, printLine } from '../../output.js';
import { readPassword } from '../../password-input.js';
import type { CommandParent } from '../../program.js';

const STDIN_EXAMPLE = `printf '%s\\n' "$TEMPORARY_PASSWORD" | authcli admin users set-password 42 --password-stdin`;

/** For an owner who cannot log in: every session of the account ends (the server does it); the lock-out counter stays (see unlock). */
export function addUsersSetPasswordCommand(users: CommandParent): void {
  users
    .command('set-password')
    .description('set an account’s password (a temporary one you pass on); ends all its sessions')
    .addArgument(userIdArgument())
    .option('--password-stdin', 'read the password from standard input instead of asking (twice) on the terminal')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli admin users set-password 42', STDIN_EXAMPLE]))
    .action(async (userId, options, command) => {
      const context = commandContext(command.optsWithGlobals());
      await assertLoginAtHand(context);
      const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: true, example: STDIN_EXAMPLE });
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      const { error, response } = await client.POST('/api/v1/admin/users/{userId}/password', { params: { path: { userId } }, body: { password } });
      if (!response.ok) throw sessionRefused(context, response, error);
      if (options.json) return printJson({ id: userId, password_set: true, sessions_ended: true });
      printLine(`Set a new password for account ${userId}; its sessions have ended.`);
    });
}
