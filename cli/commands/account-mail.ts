import { commandContext } from '../command-context.js';
import { usageError } from '../exit-codes.js';
import { examples } from '../help-text.js';
import { printFields, printJson, printUser } from '../output.js';
import { readPassword, readSecondFactor } from '../password-input.js';
import type { CommandParent } from '../program.js';

/**
 * `password forgot|reset`, `verify-email` and `email change`: the mailed-link flows. Tokens come from the link in
 * the mail (the part after `token=`); they work once, so seeing one in `ps` after use reveals nothing.
 */
export function addAccountMailCommands(parent: CommandParent): void {
  const password = parent
    .command('password')
    .description('recover a forgotten password by email (to change a known one, use passwd)')
    .addHelpText(
      'after',
      examples(['authcli password forgot --email alice@example.com', 'authcli password reset --token <token from the link>', 'authcli password reset --token <token from the link> --code 123456']),
    );

  password
    .command('forgot')
    .description('mail a password-reset link to this address (the answer is the same whether it has an account or not)')
    .requiredOption('--email <email>', 'the account’s email')
    .option('--json', 'print the result as JSON')
    .action(async (options, command) => {
      const { baseUrl } = commandContext(command.optsWithGlobals());
      const [{ createApiClient }, { serverRefused }] = await Promise.all([import('../client.js'), import('../server-refusal.js')]);
      const { data, error, response } = await createApiClient(baseUrl).POST('/api/v1/users/password/forgot', { body: { email: options.email } });
      if (!data) throw serverRefused(response, error);
      if (options.json) return printJson({ base_url: baseUrl, email: options.email, status: data.status });
      printFields([['requested', `if ${options.email} has an account, a reset link is on its way`]]);
    });

  password
    .command('reset')
    .description('set a new password with the token from a reset link, and log in; every other session ends')
    .option('--token <token>', 'the token from the reset link (after token=); required')
    .option('--password-stdin', 'read the new password from standard input instead of asking (twice) on the terminal')
    .option('--code <code>', 'a code from your authenticator app, when the account has one (asked on the terminal otherwise)')
    .option('--recovery-code <code>', 'a recovery code instead of a code from the app')
    .option('--json', 'print the result as JSON')
    .action(async (options, command) => {
      const globals = command.optsWithGlobals();
      // Checked before anything is asked: both flags at once is a usage error.
      const given = options.code !== undefined || options.recoveryCode !== undefined ? await readSecondFactor(options, SECOND_FACTOR_FLAGS) : {};
      const token = linkToken(options.token, globals.token);
      if (token === undefined) throw usageError("required option '--token <token>' not specified", ['The token is the part after token= in the link of the mail.']);
      const { baseUrl } = commandContext({ baseUrl: globals.baseUrl });
      const newPassword = await readPassword({ fromStdin: options.passwordStdin === true, confirm: true, example: `printf '%s\\n' "$NEW_PASSWORD" | authcli password reset --token "$TOKEN" --password-stdin` });
      const [{ createApiClient }, { serverRefused }, { credentialsFromTokens }, { saveCredentials }] = await Promise.all([
        import('../client.js'),
        import('../server-refusal.js'),
        import('../session.js'),
        import('../credentials.js'),
      ]);
      const send = (proof: typeof given) => createApiClient(baseUrl).POST('/api/v1/users/password/reset', { body: { token, new_password: newPassword, ...proof } });
      let reset = await send(given);
      // The account has an authenticator app, and the link alone changed nothing: the same request with a code.
      if (reset.error?.code === 'mfa_code_required' && !('code' in given || 'recovery_code' in given)) {
        reset = await send(await readSecondFactor(options, SECOND_FACTOR_FLAGS, reset.error.detail));
      }
      if (!reset.data) throw serverRefused(reset.response, reset.error);
      const me = await createApiClient(baseUrl, { accessToken: reset.data.access_token }).GET('/api/v1/users/me');
      if (!me.data) throw serverRefused(me.response, me.error);
      // Every earlier session of the account ended with the reset, the stored one too: the new one replaces it.
      const session = credentialsFromTokens(baseUrl, reset.data, me.data);
      saveCredentials(session);
      if (options.json) return printJson({ base_url: baseUrl, user: me.data, password_reset: true, access_token_expires_at: session.access_token_expires_at });
      printFields([
        ['password reset for', me.data.email],
        ['other sessions', 'logged out'],
        ['logged in', 'yes'],
      ]);
    });

  parent
    .command('verify-email')
    .description('confirm an address with the token from its link (--token), or have the link sent again (--resend)')
    .option('--token <token>', 'the token from the verification or email-change link (after token=)')
    .option('--resend', 'mail a new verification link to your address (needs a login)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli verify-email --token <token from the link>', 'authcli verify-email --resend']))
    .action(async (options, command) => {
      const globals = command.optsWithGlobals();
      const token = linkToken(options.token, globals.token);
      if ((token === undefined) === (options.resend !== true)) throw usageError('give either --token (from the link) or --resend');
      if (options.resend) {
        // --token is this command's link token; the login comes from AUTHCLI_TOKEN or the stored credentials.
        const context = commandContext({ baseUrl: globals.baseUrl });
        const { requireSession, sessionRefused } = await import('../session.js');
        const { client } = await requireSession(context);
        const { data, error, response } = await client.POST('/api/v1/users/me/email/verification');
        if (!data) throw sessionRefused(context, response, error);
        if (options.json) return printJson({ base_url: context.baseUrl, status: data.status });
        return printFields([['requested', 'a new verification link is on its way to your address']]);
      }
      const { baseUrl } = commandContext({ baseUrl: globals.baseUrl });
      const [{ createApiClient }, { serverRefused }] = await Promise.all([import('../client.js'), import('../server-refusal.js')]);
      const { data, error, response } = await createApiClient(baseUrl).POST('/api/v1/users/email/verify', { body: { token: token ?? '' } });
      if (!data) throw serverRefused(response, error);
      printUser(data, { json: options.json === true });
    });

  const email = parent.command('email').description('change the email of your account');
  email
    .command('change')
    .description('ask to change your email: a confirmation link goes to the new address (use it with verify-email --token)')
    .requiredOption('--new-email <email>', 'the address to move to')
    .option('--password-stdin', 'read your password from standard input instead of asking on the terminal')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli email change --new-email alice@new.example.com']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: false, example: `printf '%s\\n' "$PASSWORD" | authcli email change --new-email new@example.com --password-stdin` });
      const { requireSession, sessionRefused } = await import('../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.POST('/api/v1/users/me/email', { body: { new_email: options.newEmail, password } });
      if (!data) throw sessionRefused(context, response, error);
      if (options.json) return printJson({ base_url: context.baseUrl, new_email: options.newEmail, status: data.status });
      printFields([['requested', `a confirmation link is on its way to ${options.newEmail}; your email changes when it is used`]]);
    });
}

const SECOND_FACTOR_FLAGS = '--code <6 digits> or --recovery-code <code>';

/**
 * The program's own `--token` (an access token) is parsed wherever it appears, so `password reset --token …` lands
 * there: after these commands it can only mean the link's token, which is what they send.
 */
function linkToken(local: string | undefined, global: string | undefined): string | undefined {
  return (local ?? global)?.trim() || undefined;
}
