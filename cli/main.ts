import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, type OptionValues } from 'commander';
import { BASE_URL_ENV, DEFAULT_BASE_URL, resolveBaseUrl } from './base-url.js';
import type { CommandContext } from './command-context.js';
import { CliError, EXIT_CODE_MEANINGS, ExitCode } from './exit-codes.js';
import { colourEnabled, printError } from './output.js';

/**
 * Builds the whole command tree. Only commander and a few small modules load
 * here: each command's code (and openapi-fetch) is imported when that command
 * runs, so `authcli --help` stays close to bare `node` start-up.
 */
export function buildProgram(version: string): Command {
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
    .addHelpText('after', examples([`curl -H "Authorization: Bearer $(authcli token)" ${DEFAULT_BASE_URL}/api/v1/users/me`]))
    .action(lazy(() => import('./commands/token.js')));

  program
    .command('logout')
    .description('end the session on the server and forget the stored credentials')
    .option('--json', 'print whether a session was ended, as JSON')
    .addHelpText('after', examples(['authcli logout', 'authcli --base-url https://auth.example.com logout']))
    .action(lazy(() => import('./commands/logout.js')));

  return program;
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

/** The action loads its module only when the command runs: start-up cost is paid by the command that needs it. */
function lazy<Options extends OptionValues>(load: () => Promise<CommandModule<Options>>) {
  return async function lazyAction(_options: OptionValues, command: Command): Promise<void> {
    // Resolved before the import so a bad --base-url fails without loading anything.
    const context: CommandContext = { baseUrl: resolveBaseUrl(command.optsWithGlobals<{ baseUrl?: string }>().baseUrl) };
    const { run } = await load();
    await run(context, command.opts<Options>());
  };
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
    '  authcli logout',
    '',
    'Passwords are asked for on the terminal without echo, or read from standard',
    'input with --password-stdin; never taken from an argument.',
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

/** From package.json, found by walking up: this file runs as cli/main.ts (tsx) and as dist/cli/main.js. */
function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
  const manifest: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string') return manifest.version;
  return '0.0.0';
}
