import { assertLoginAtHand, commandContext, type CommandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { printFields, printJson, printLine } from '../output.js';
import { readPassword, readSecondFactor } from '../password-input.js';
import type { CommandParent } from '../program.js';

const PROOF_FLAGS = '--code <6 digits> or --recovery-code <code>';

/** `mfa …`: the caller's authenticator app (TOTP) and recovery codes. */
export function addMfaCommands(parent: CommandParent): void {
  const mfa = parent
    .command('mfa')
    .description('two-factor authentication: add or remove an authenticator app, new recovery codes')
    .addHelpText('after', examples(['authcli mfa enable', 'authcli mfa status', 'authcli mfa recovery-codes', 'authcli mfa disable']));

  mfa
    .command('status')
    .description('whether your account has an authenticator app, and how many recovery codes are left')
    .option('--json', 'print the state as JSON')
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.GET('/api/v1/users/me/mfa');
      if (!data) throw sessionRefused(context, response, error);
      if (options.json) return printJson(data);
      printFields([['authenticator app', data.totp], ['recovery codes left', data.totp === 'enabled' ? data.recovery_codes_remaining : undefined]]);
    });

  mfa
    .command('enable')
    .description('add an authenticator app: shows a QR code and the secret, asks for a code, prints recovery codes once')
    .option('--password-stdin', 'read the password from standard input; then confirm with `authcli mfa confirm --code …`')
    .option('--json', 'print the secret and otpauth URI as JSON (no QR code); confirm with `authcli mfa confirm`')
    .addHelpText('after', examples(['authcli mfa enable', `printf '%s\\n' "$PASSWORD" | authcli mfa enable --password-stdin --json`]))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      await assertLoginAtHand(context);
      const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: false, example: `printf '%s\\n' "$PASSWORD" | authcli mfa enable --password-stdin` });
      const { requireSession, sessionRefused } = await import('../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.POST('/api/v1/users/me/mfa/totp', { body: { password } });
      if (!data) throw sessionRefused(context, response, error);
      if (options.json) return printJson({ secret: data.secret, otpauth_uri: data.otpauth_uri, confirmed: false });
      const { default: QRCode } = await import('qrcode');
      process.stdout.write(await QRCode.toString(data.otpauth_uri, { type: 'utf8', errorCorrectionLevel: 'M' }));
      printFields([['secret', data.secret.replace(/(.{4})(?!$)/g, '$1 ')], ['uri', data.otpauth_uri]]);
      printLine('Scan the QR code (or type the secret) into your authenticator app.');
      if (options.passwordStdin || !process.stdin.isTTY) {
        return printLine('Then turn it on with: authcli mfa confirm --code <the 6 digits it shows>');
      }
      await confirm(context, {}, false);
    });

  mfa
    .command('confirm')
    .description('turn on the app added by `mfa enable` with a code it shows; prints the recovery codes once')
    .option('--code <code>', 'the 6 digits the app shows (asked on the terminal if left out)')
    .option('--json', 'print the recovery codes as JSON')
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      await assertLoginAtHand(context);
      await confirm(context, { code: options.code }, options.json === true);
    });

  mfa
    .command('disable')
    .description('remove the authenticator app (needs your password and a code); your other sessions are logged out')
    .option('--password-stdin', 'read the password from standard input')
    .option('--code <code>', 'a code from the app (asked on the terminal if neither this nor --recovery-code is given)')
    .option('--recovery-code <code>', 'a recovery code instead of a code from the app')
    .action(async (options, command) => {
      const { context, client, body, sessionRefused } = await proveOwnership(command.optsWithGlobals(), options);
      const { error, response } = await client.DELETE('/api/v1/users/me/mfa/totp', { body });
      if (response.status !== 204) throw sessionRefused(context, response, error);
      printLine('Authenticator app removed; your other sessions are logged out. Logging in needs only the password again.');
    });

  mfa
    .command('recovery-codes')
    .description('replace your recovery codes (needs your password and a code); the old ones stop working')
    .option('--password-stdin', 'read the password from standard input')
    .option('--code <code>', 'a code from the app (asked on the terminal if neither this nor --recovery-code is given)')
    .option('--recovery-code <code>', 'a recovery code instead of a code from the app')
    .option('--json', 'print the codes as JSON')
    .action(async (options, command) => {
      const { context, client, body, sessionRefused } = await proveOwnership(command.optsWithGlobals(), options);
      const { data, error, response } = await client.POST('/api/v1/users/me/mfa/recovery-codes', { body });
      if (!data) throw sessionRefused(context, response, error);
      printRecoveryCodes(data.recovery_codes, options.json === true);
    });
}

async function confirm(context: CommandContext, given: { code?: string }, json: boolean): Promise<void> {
  const proof = await readSecondFactor(given, '--code <6 digits>');
  if (!('code' in proof)) throw (await import('../exit-codes.js')).usageError('confirming needs the 6 digits the app shows, not a recovery code');
  const { requireSession, sessionRefused } = await import('../session.js');
  const { client } = await requireSession(context);
  const { data, error, response } = await client.POST('/api/v1/users/me/mfa/totp/confirm', { body: { code: proof.code } });
  if (!data) throw sessionRefused(context, response, error);
  printRecoveryCodes(data.recovery_codes, json);
}

function printRecoveryCodes(codes: string[], json: boolean): void {
  if (json) return printJson({ recovery_codes: codes });
  printLine('Recovery codes (each works once instead of a code; shown only now, store them somewhere safe):');
  for (const code of codes) printLine(`  ${code}`);
}

/**
 * What `disable` and `recovery-codes` both need before their call: the password and a code (asked before the
 * HTTP client loads, so the prompt comes at once), then the stored session.
 */
async function proveOwnership(
  globals: { baseUrl?: string; token?: string },
  options: { passwordStdin?: true; code?: string; recoveryCode?: string },
) {
  const context = commandContext(globals);
  await assertLoginAtHand(context);
  const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: false });
  const proof = await readSecondFactor(options, PROOF_FLAGS);
  const { requireSession, sessionRefused } = await import('../session.js');
  const { client } = await requireSession(context);
  return { context, client, sessionRefused, body: { password, ...proof } };
}
