import { BASE_URL_ENV, DEFAULT_BASE_URL } from './base-url.js';
import { TOKEN_ENV } from './command-context.js';
import { EXIT_CODE_MEANINGS } from './exit-codes.js';

/** A command's examples, after its options in `--help`. */
export function examples(lines: readonly string[]): string {
  return ['', 'Examples:', ...lines.map((line) => `  ${line}`)].join('\n');
}

export function programHelpFooter(): string {
  const width = Math.max(...EXIT_CODE_MEANINGS.map(([code]) => String(code).length));
  return [
    examples([
      'authcli register --email alice@example.com --full-name "Alice Example"',
      'authcli login --email alice@example.com',
      'authcli me',
      `curl -H "Authorization: Bearer $(authcli token)" ${DEFAULT_BASE_URL}/api/v1/users/me`,
      `printf '%s\\n' "$PASSWORD" | authcli login --email alice@example.com --password-stdin`,
      'authcli sessions',
      'authcli passwd',
      'authcli admin users list',
      'authcli logout --all',
    ]),
    '',
    'Passwords are asked for on the terminal without echo, or read from standard',
    'input with --password-stdin; never taken from an argument.',
    '',
    'Which token a command sends: --token <token>, else $AUTHCLI_TOKEN, else the',
    'credentials authcli login stored for the server. The stored access token is',
    'refreshed without asking when it has run out, as long as the session lasts;',
    'then commands exit 4: run authcli login. A given token is never refreshed.',
    '',
    'Environment:',
    `  ${BASE_URL_ENV}    the API server when --base-url is not given`,
    `  ${TOKEN_ENV}       an access token to send instead of the stored one (when no --token)`,
    '  AUTHCLI_CONFIG_DIR  where credentials are stored',
    '                      (default: $XDG_CONFIG_HOME/authcli, else ~/.config/authcli)',
    '  NO_COLOR            any value turns colour off',
    '  AUTHCLI_DEBUG=1     print the stack trace of unexpected errors',
    '',
    'Exit codes:',
    ...EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(width)}  ${meaning}`),
  ].join('\n');
}
