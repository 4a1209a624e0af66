import { userIdArgument } from '../../arguments.js';
import type { ApiClient } from '../../client.js';
import { commandContext } from '../../command-context.js';
import type { CliError } from '../../exit-codes.js';
import { examples } from '../../help-text.js';
import type { CommandParent } from '../../program.js';

/** What the action of an account command gets when it runs. */
export interface AccountRequest {
  /** The session's client: the stored login's, or the given token's. */
  client: ApiClient;
  userId: number;
  json: boolean;
  /** The CLI's error for an answer that is not a success (exit 4 when the session is over, else 1). */
  refused(response: Response, body: unknown): CliError;
}

/**
 * `admin users <name> <id> [--json]`: one request about one account. The
 * session module (and with it the HTTP client) loads only when it runs.
 */
export function addAccountCommand(
  users: CommandParent,
  command: { name: string; description: string; json: string },
  act: (request: AccountRequest) => Promise<void>,
): void {
  users
    .command(command.name)
    .description(command.description)
    .addArgument(userIdArgument())
    .option('--json', command.json)
    .addHelpText('after', examples([`authcli admin users ${command.name} 42`]))
    .action(async (userId, options, self) => {
      const context = commandContext(self.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      await act({ client, userId, json: options.json === true, refused: (response, body) => sessionRefused(context, response, body) });
    });
}
