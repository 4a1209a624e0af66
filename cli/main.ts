import { Argument, Command, CommanderError, Option, type OptionValues } from 'commander';
import { AUDIT_EVENT_TYPES, nonNegativeInteger, positiveInteger, ROLES, sessionId } from './arguments.js';
import { BASE_URL_ENV, DEFAULT_BASE_URL, resolveBaseUrl } from './base-url.js';
import type { CommandContext } from './command-context.js';
import { CliError, EXIT_CODE_MEANINGS, ExitCode } from './exit-codes.js';
import { colourEnabled, printError } from './output.js';
import { readVersion } from './version.js';

/**
 * Builds the whole command tree. Only commander and a few small modules load
 * here: each command's code (and openapi-fetch) is imported when that command
 * runs, so `authcli --help` stays close to bare `node` start-up.
 */
function buildProgram(version: string): Command {
  const program = new Command('authcli')
    .description('Register, log in and call the Auth API from a terminal or a script.')
    // Set before any .command(): subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(colourError(text)) })
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .option('--base-url <url>', `the API server (default: $${BASE_URL_ENV}, else ${DEFAULT_BASE_URL})`)
    .addHelpText('after', programHelpFooter());

  program
    .command('register')
    .description('create an account and print it')
    .requiredOption('--email <email>', 'the new account’s email')
    .option('--full-name <name>', 'the name to show')
    .option('--password-stdin', 'read the password from standard input instead of asking (twice) on the terminal')
    .option('--json', 'print the user as JSON')
    .addHelpText('after', examples(['authcli register --email alice@example.com --full-name "Alice Example"', `printf '%s\\n' "$PASSWORD" | authcli register --email alice@example.com --password-stdin --json`]))
    .action(lazy(() => import('./commands/register.js')));

  program
    .command('login')
    .description('log in and store the credentials for this server')
    .requiredOption('--email <email>', 'the account’s email')
    .option('--password-stdin', 'read the password from standard input instead of asking on the terminal')
    .option('--json', 'print who is logged in as JSON')
    .addHelpText('after', examples(['authcli login --email alice@example.com', `printf '%s\\n' "$PASSWORD" | authcli login --email alice@example.com --password-stdin`, 'authcli --base-url https://auth.example.com login --email alice@example.com']))
    .action(lazy(() => import('./commands/login.js')));

  program
    .command('me')
    .description('show the account you are logged in as')
    .option('--json', 'print the user as JSON')
    .addHelpText('after', examples(['authcli me', 'authcli me --json | jq -r .email']))
    .action(lazy(() => import('./commands/me.js')));

  program
    .command('token')
    .description('print the stored access token alone, for scripts')
    .option('--json', 'print the token with its type and expiry as JSON')
    .option('--decode', 'print the token\'s header and claims as JSON (decoded, not verified)')
    .addHelpText('after', examples([`curl -H "Authorization: Bearer $(authcli token)" ${DEFAULT_BASE_URL}/api/v1/users/me`, 'authcli token --decode']))
    .action(lazy(() => import('./commands/token.js')));

  program
    .command('logout')
    .description('end the session on the server and forget the stored credentials')
    .option('--all', 'end every session of the account, on every device, not only this one')
    .option('--json', 'print whether a session was ended, as JSON')
    .addHelpText('after', examples(['authcli logout', 'authcli logout --all', 'authcli --base-url https://auth.example.com logout']))
    .action(lazy(() => import('./commands/logout.js')));

  program
    .command('passwd')
    .description('change your password; every other session is logged out')
    .option('--password-stdin', 'read two lines from standard input, the current password then the new one, instead of asking on the terminal')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli passwd', `printf '%s\\n%s\\n' "$CURRENT_PASSWORD" "$NEW_PASSWORD" | authcli passwd --password-stdin`]))
    .action(lazy(() => import('./commands/passwd.js')));

  program
    .command('profile')
    .description('change your profile and print it')
    .requiredOption('--full-name <name>', 'the name to show ("" clears it)')
    .option('--json', 'print the user as JSON')
    .addHelpText('after', examples(['authcli profile --full-name "Alice Example"', 'authcli profile --full-name ""']))
    .action(lazy(() => import('./commands/profile.js')));

  program
    .command('sessions')
    .description('list your sessions (logins) on this server, or end one')
    .addOption(new Option('--revoke <id>', 'end the session with this id instead of listing').argParser(sessionId))
    .option('--json', 'print the sessions as JSON, as the API returns them')
    .addHelpText('after', examples(['authcli sessions', 'authcli sessions --revoke 0b1e4d7a-5c3f-4e2a-9d61-8f0c2b7a4e19', 'authcli sessions --json | jq -r \'.items[] | select(.current | not) | .id\'']))
    .action(lazy(() => import('./commands/sessions.js')));

  program
    .command('delete-account')
    .description('delete your account and all its sessions; asks for your password')
    .option('--password-stdin', 'read the password from standard input instead of asking on the terminal')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli delete-account', `printf '%s\\n' "$PASSWORD" | authcli delete-account --password-stdin --yes`]))
    .action(lazy(() => import('./commands/delete-account.js')));

  addAdminCommands(program);
  return program;
}

/** `admin users …` and `admin audit`: the admin API. The server checks the role on every request (403 → exit 1). */
function addAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description('manage accounts and read the audit log (needs the admin role)')
    .addHelpText('after', examples(['authcli admin users list', 'authcli admin users set-role 42 admin', 'authcli admin audit --user 42']));
  const users = admin
    .command('users')
    .description('list, show, change and delete accounts')
    .addHelpText('after', examples(['authcli admin users list --email alice@example.com', 'authcli admin users deactivate 42']));
  const idArgument = () => new Argument('<id>', 'the account’s id (see `authcli admin users list`)').argParser(positiveInteger);
  const page = (command: Command, noun: string) =>
    command
      .addOption(new Option('--limit <n>', `how many ${noun} to show (the server's default: 20)`).argParser(positiveInteger))
      .addOption(new Option('--offset <n>', `how many ${noun} to skip first`).argParser(nonNegativeInteger));

  page(users.command('list').description('list accounts, oldest first, a page at a time'), 'accounts')
    .option('--email <email>', 'only the account with this email')
    .option('--json', 'print the page as JSON, as the API returns it ({items, total})')
    .addHelpText('after', examples(['authcli admin users list', 'authcli admin users list --limit 50 --offset 50', 'authcli admin users list --json | jq -r \'.items[].email\'']))
    .action(lazy(() => import('./commands/admin/users-list.js')));

  users
    .command('show')
    .description('show one account')
    .addArgument(idArgument())
    .option('--json', 'print the user as JSON')
    .addHelpText('after', examples(['authcli admin users show 42']))
    .action(lazy(() => import('./commands/admin/users-show.js')));

  users
    .command('set-role')
    .description('make an account a member or an admin (a demotion logs it out everywhere)')
    .addArgument(idArgument())
    .addArgument(new Argument('<role>', 'the new role').choices(ROLES))
    .option('--json', 'print the updated user as JSON')
    .addHelpText('after', examples(['authcli admin users set-role 42 admin', 'authcli admin users set-role 42 member']))
    .action(lazy(() => import('./commands/admin/users-update.js')));

  users
    .command('activate')
    .description('let an account log in again')
    .addArgument(idArgument())
    .option('--json', 'print the updated user as JSON')
    .addHelpText('after', examples(['authcli admin users activate 42']))
    .action(lazy(() => import('./commands/admin/users-update.js'), { active: true }));

  users
    .command('deactivate')
    .description('stop an account from logging in and end all its sessions')
    .addArgument(idArgument())
    .option('--json', 'print the updated user as JSON')
    .addHelpText('after', examples(['authcli admin users deactivate 42']))
    .action(lazy(() => import('./commands/admin/users-update.js'), { active: false }));

  users
    .command('delete')
    .description('delete an account and all its sessions; asks first unless --yes')
    .addArgument(idArgument())
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['authcli admin users delete 42', 'authcli admin users delete 42 --yes']))
    .action(lazy(() => import('./commands/admin/users-delete.js')));

  page(admin.command('audit').description('read the security audit log, newest first'), 'events')
    .addOption(new Option('--user <id>', 'only events about this account').argParser(positiveInteger))
    .addOption(new Option('--event <type>', 'only events of this type').choices(AUDIT_EVENT_TYPES))
    .option('--json', 'print the page as JSON, as the API returns it ({items, total})')
    .addHelpText('after', examples(['authcli admin audit', 'authcli admin audit --user 42 --event login_failed', 'authcli admin audit --event role_changed --limit 5 --json']))
    .action(lazy(() => import('./commands/admin/audit.js')));
}


/** Runs the CLI; resolves to the exit code rather than exiting, so pending output is flushed first. */
export async function main(argv: readonly string[]): Promise<number> {
  // `authcli me --json | head -c 10` closes the pipe early; that is not an error worth a stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.Success);
    throw error;
  });
  try {
    await buildProgram(readVersion()).parseAsync(argv);
    return ExitCode.Success;
  } catch (error) {
    return report(error);
  }
}

interface CommandModule<Options> {
  run(context: CommandContext, options: Options): Promise<void>;
}

/**
 * The action loads its module only when the command runs: start-up cost is
 * paid by the command that needs it. The command gets one object: its
 * options, its arguments by name (`<id>` → `id`, parsed) and `preset`, which
 * lets one module serve several commands (`activate`, `deactivate`).
 */
function lazy<Options extends OptionValues>(load: () => Promise<CommandModule<Options>>, preset: Partial<Options> = {}) {
  return async function lazyAction(...actionArgs: unknown[]): Promise<void> {
    const command = actionArgs.at(-1);
    if (!(command instanceof Command)) throw new Error('commander called an action without its command');
    // Resolved before the import so a bad --base-url fails without loading anything.
    const context: CommandContext = { baseUrl: resolveBaseUrl(command.optsWithGlobals<{ baseUrl?: string }>().baseUrl) };
    const args = Object.fromEntries(command.registeredArguments.map((argument, index) => [camelCase(argument.name()), command.processedArgs[index]]));
    const { run } = await load();
    await run(context, { ...command.opts<Options>(), ...args, ...preset });
  };
}

function camelCase(name: string): string {
  return name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * One place decides what reaches stderr and the exit code. Commander has
 * already printed its own messages (help, version, usage errors); ours are
 * printed without a stack; anything else is a bug, shown as one line.
 */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
  const debug = Boolean(process.env.AUTHCLI_DEBUG);
  if (error instanceof CliError) {
    printError(error);
    if (debug && error.cause instanceof Error) process.stderr.write(`${error.cause.stack ?? String(error.cause)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  printError({ message: `unexpected error: ${message.split('\n')[0]} (set AUTHCLI_DEBUG=1 to see the stack)`, details: [] });
  if (debug) process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  return ExitCode.ServerRefused;
}

function programHelpFooter(): string {
  const width = Math.max(...EXIT_CODE_MEANINGS.map(([code]) => String(code).length));
  return [
    '',
    'Examples:',
    '  authcli register --email alice@example.com --full-name "Alice Example"',
    '  authcli login --email alice@example.com',
    '  authcli me',
    `  curl -H "Authorization: Bearer $(authcli token)" ${DEFAULT_BASE_URL}/api/v1/users/me`,
    `  printf '%s\\n' "$PASSWORD" | authcli login --email alice@example.com --password-stdin`,
    '  authcli sessions',
    '  authcli passwd',
    '  authcli admin users list',
    '  authcli logout --all',
    '',
    'Passwords are asked for on the terminal without echo, or read from standard',
    'input with --password-stdin; never taken from an argument.',
    '',
    'The stored access token is refreshed without asking when it has run out,',
    'as long as the session lasts; then commands exit 4: run authcli login.',
    '',
    'Environment:',
    `  ${BASE_URL_ENV}    the API server when --base-url is not given`,
    '  AUTHCLI_CONFIG_DIR  where credentials are stored',
    '                      (default: $XDG_CONFIG_HOME/authcli, else ~/.config/authcli)',
    '  NO_COLOR            any value turns colour off',
    '  AUTHCLI_DEBUG=1     print the stack trace of unexpected errors',
    '',
    'Exit codes:',
    ...EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(width)}  ${meaning}`),
  ].join('\n');
}

function examples(lines: string[]): string {
  return ['', 'Examples:', ...lines.map((line) => `  ${line}`)].join('\n');
}

function colourError(text: string): string {
  return colourEnabled(process.stderr) ? text.replace(/^error:/, '\u001b[31merror:\u001b[0m') : text;
}
