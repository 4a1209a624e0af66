import { commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { formatTime, printFields, printJson } from '../output.js';
import { readPassword, readSecondFactor } from '../password-input.js';
import type { CommandParent } from '../program.js';

export function addLoginCommand(parent: CommandParent): void {
  parent
    .command('login')
    .description('log in and store the credentials for this server (ending the session stored before, if any)')
    .requiredOption('--email <email>', 'the account’s email')
    .option('--password-stdin', 'read the password from standard input instead of asking on the terminal')
    .option('--code <code>', 'a code from your authenticator app, when the account has one (asked on the terminal otherwise)')
    .option('--recovery-code <code>', 'a recovery code instead of a code from the app')
    .option('--json', 'print who is logged in as JSON')
    .addHelpText('after', examples(['authcli login --email alice@example.com', `printf '%s\\n' "$PASSWORD" | authcli login --email alice@example.com --password-stdin`, 'authcli --base-url https://auth.example.com login --email alice@example.com']))
    .action(async (options, command) => {
      // The stored login is replaced, whatever --token or AUTHCLI_TOKEN say.
      const { baseUrl } = commandContext(command.optsWithGlobals());
      // The prompt turns echo off before the HTTP client loads: nothing typed early is shown.
      const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: false });
      const [{ createApiClient }, { serverRefused }, { credentialsFromTokens }, { loadCredentialsIfReadable, saveCredentials }, { endPreviousSession }] = await Promise.all([
        import('../client.js'),
        import('../server-refusal.js'),
        import('../session.js'),
        import('../credentials.js'),
        import('../previous-session.js'),
      ]);
      let login = await createApiClient(baseUrl).POST('/api/v1/users/login', { body: { email: options.email, password } });
      // The account has an authenticator app: the password alone gave a one-time mfa_token, not tokens.
      if (login.error?.code === 'mfa_required' && login.error.mfa_token !== undefined) {
        const proof = await readSecondFactor(options, '--code <6 digits> or --recovery-code <code>');
        login = await createApiClient(baseUrl).POST('/api/v1/users/login/mfa', { body: { mfa_token: login.error.mfa_token, ...proof } });
      }
      if (!login.data) throw serverRefused(login.response, login.error);

      // The token response does not say whose it is; asking /me both answers
      // "who is logged in" and proves the token works before it is stored.
      const me = await createApiClient(baseUrl, { accessToken: login.data.access_token }).GET('/api/v1/users/me');
      if (!me.data) throw serverRefused(me.response, me.error);

      // Only once the new login has worked: a failed one leaves the old in place.
      const previous = loadCredentialsIfReadable(baseUrl);
      const replaced = previous ? await endPreviousSession(baseUrl, previous) : undefined;
      const session = credentialsFromTokens(baseUrl, login.data, me.data);
      saveCredentials(session);
      if (options.json) {
        printJson({ base_url: baseUrl, user: me.data, access_token_expires_at: session.access_token_expires_at, replaced: replaced ?? null });
        return;
      }
      const sameUser = replaced?.user.id === me.data.id;
      printFields([
        ['logged in as', me.data.email],
        ['server', baseUrl],
        ['token expires', formatTime(session.access_token_expires_at)],
        ...(replaced === undefined ? [] : [sameUser ? (['previous session', replaced.outcome] as const) : (['replaced login of', `${replaced.user.email} (its session: ${replaced.outcome})`] as const)]),
      ]);
    });
}
