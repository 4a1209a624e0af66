import { commandContext } from '../command-context.js';
import { CliError } from '../exit-codes.js';
import { examples } from '../help-text.js';
import { printJson, printLine } from '../output.js';
import type { CommandParent } from '../program.js';

/**
 * Ends the session on the server (with --all, every session of the account),
 * then forgets it here. The local half always happens: a logout that leaves a
 * token on disk because the server was down would be worse than one that
 * reports the server half failed. With --token or AUTHCLI_TOKEN it ends that
 * token's session and leaves the stored login alone.
 */
export function addLogoutCommand(parent: CommandParent): void {
  parent
    .command('logout')
    .description('end the session on the server and forget the stored credentials')
    .option('--all', 'end every session of the account, on every device, not only this one')
    .option('--json', 'print whether a session was ended, as JSON')
    .addHelpText('after', examples(['authcli logout', 'authcli logout --all', 'authcli --base-url https://auth.example.com logout']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const scope = options.all ? 'all' : 'current';
      const { endSessionOnServer } = await import('../end-session.js');
      if (context.token) {
        const outcome = await endSessionOnServer(context, scope);
        if (options.json) return printJson({ base_url: context.baseUrl, logged_out: outcome === 'ended', scope });
        return printLine(outcome === 'ended' ? `Ended ${scope === 'all' ? 'every session of the account' : 'the session'} of the token from ${context.token.from}.` : `The session of the token from ${context.token.from} was already over.`);
      }
      const { deleteCredentials, loadCredentialsIfReadable } = await import('../credentials.js');
      // Damaged credentials are still deleted: logout is how a user starts over.
      const stored = loadCredentialsIfReadable(context.baseUrl);
      let revocationFailure: CliError | undefined;
      if (stored || scope === 'all') {
        try {
          await endSessionOnServer(context, scope);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          revocationFailure = error;
        }
      }
      // A refresh that found the session already over has deleted the file itself.
      const forgotten = deleteCredentials(context.baseUrl) || stored !== undefined;
      if (revocationFailure) {
        const unended = scope === 'all' ? 'the account’s sessions may still be open on the server' : 'the session may still be open on the server';
        throw new CliError(revocationFailure.exitCode, `${revocationFailure.message}; ${unended}`, [
          ...revocationFailure.details,
          forgotten ? 'The stored credentials were deleted all the same.' : 'There were no stored credentials.',
        ]);
      }
      const { baseUrl } = context;
      if (options.json) printJson({ base_url: baseUrl, logged_out: forgotten, scope });
      else if (scope === 'all') printLine(`Logged out of ${baseUrl}: every session of ${stored?.user.email ?? 'the account'} has ended.`);
      else printLine(forgotten ? `Logged out of ${baseUrl}.` : `Not logged in at ${baseUrl}; nothing to do.`);
    });
}
