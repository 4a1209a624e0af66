import { commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { DEFAULT_BASE_URL } from '../base-url.js';
import { printJson, printLine } from '../output.js';
import type { CommandParent } from '../program.js';

/**
 * The access token alone, for `curl -H "Authorization: Bearer $(authcli token)"`.
 * It checks the stored expiry only, so it is instant inside `$(…)`; the one
 * request it may make is a refresh, when the token has (nearly) run out.
 */
export function addTokenCommand(parent: CommandParent): void {
  parent
    .command('token')
    .description('print the access token alone, for scripts')
    .option('--json', 'print the token with its type and expiry as JSON')
    .option('--decode', 'print the token\'s header and claims as JSON (decoded, not verified)')
    .addHelpText('after', examples([`curl -H "Authorization: Bearer $(authcli token)" ${DEFAULT_BASE_URL}/api/v1/users/me`, 'authcli token --decode']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession } = await import('../session.js');
      const session = await requireSession(context);
      // A given token is printed back as it came: its expiry is not known here.
      const token =
        session.source === 'stored'
          ? { access_token: session.credentials.access_token, token_type: session.credentials.token_type, expires_at: session.credentials.access_token_expires_at }
          : { access_token: session.accessToken, token_type: 'bearer', expires_at: null };
      // Decoded, not verified: for reading what a resource server will see (kid, alg, aud, exp).
      if (options.decode) {
        const [header, claims] = token.access_token.split('.', 2).map((part): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
        return printJson({ header, claims });
      }
      if (options.json) return printJson(token);
      printLine(token.access_token);
    });
}
