import { assertLoginAtHand, commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { formatTime, printFields, printJson } from '../output.js';
import { readPasswordChange } from '../password-input.js';
import type { CommandParent } from '../program.js';

/**
 * The server ends every other session and answers with a new pair for this
 * one (the old refresh token is gone), so a stored login stores it at once.
 * The pair is not printed, not even with --json: it is the login itself.
 */
export function addPasswdCommand(parent: CommandParent): void {
  parent
    .command('passwd')
    .description('change your password; every other session is logged out')
    .option('--password-stdin', 'read two lines from standard input, the current password then the new one, instead of asking on the terminal')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli passwd', `printf '%s\\n%s\\n' "$CURRENT_PASSWORD" "$NEW_PASSWORD" | authcli passwd --password-stdin`]))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      await assertLoginAtHand(context);
      const { current, replacement } = await readPasswordChange(options.passwordStdin === true);
      const { requireSession, sessionRefused } = await import('../session.js');
      const session = await requireSession(context);
      const { data, error, response } = await session.client.POST('/api/v1/users/me/password', {
        body: { current_password: current, new_password: replacement },
      });
      if (!data) throw sessionRefused(context, response, error);
      const { baseUrl } = context;
      if (session.source !== 'stored') {
        if (options.json) return printJson({ base_url: baseUrl, password_changed: true });
        return printFields([['password changed', 'yes'], ['other sessions', 'logged out']]);
      }
      await session.storeTokens(data);
      const { user, access_token_expires_at } = session.credentials;
      if (options.json) return printJson({ base_url: baseUrl, user, password_changed: true, access_token_expires_at });
      printFields([
        ['password changed for', user.email],
        ['other sessions', 'logged out'],
        ['token expires', formatTime(access_token_expires_at)],
      ]);
    });
}
