import { Command } from '@commander-js/extra-typings';
import { BASE_URL_ENV, DEFAULT_BASE_URL } from './base-url.js';
import { TOKEN_ENV } from './command-context.js';
import { programHelpFooter } from './help-text.js';
import { colourEnabled } from './output.js';

/**
 * The root command with the global options. Its settings are set before any
 * subcommand exists: `.command()` copies them into each one it creates.
 */
export function createProgram(version: string) {
  return new Command('authcli')
    .description('Register, log in and call the Auth API from a terminal or a script.')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(colourError(text)) })
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .option('--base-url <url>', `the API server (default: $${BASE_URL_ENV}, else ${DEFAULT_BASE_URL})`)
    .option('--token <token>', `the access token to send instead of the stored login (default: $${TOKEN_ENV}); visible to ps, so prefer the variable`)
    .addHelpText('after', programHelpFooter());
}

export type Program = ReturnType<typeof createProgram>;
export type GlobalOptions = ReturnType<Program['opts']>;

/** What a command is declared on: the program or a group under it (`admin`, `admin users`); either way it sees the global options. */
export type CommandParent = Command<[], Record<never, never>, GlobalOptions>;

function colourError(text: string): string {
  return colourEnabled(process.stderr) ? text.replace(/^error:/, '\u001b[31merror:\u001b[0m') : text;
}
