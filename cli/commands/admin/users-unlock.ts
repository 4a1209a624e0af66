import { userIdArgument } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import { printJson, printLine } from '../../output.js';
import type { CommandParent } from '../../program.js';

/** Lifts a lock-out after too many failed logins; the counters of client addresses stay (they protect every account). */
export function addUsersUnlockCommand(users: CommandParent): void {
  users
    .command('unlock')
    .description('let an account locked out by failed logins log in again at once')
    .addArgument(userIdArgument())
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli admin users unlock 42']))
    .action(async (userId, options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      const { error, response } = await client.POST('/api/v1/admin/users/{userId}/unlock', { params: { path: { userId } } });
      if (!response.ok) throw sessionRefused(context, response, error);
      if (options.json) return printJson({ id: userId, unlocked: true });
      printLine(`Unlocked account ${userId}: its failed logins are forgotten.`);
    });
}
