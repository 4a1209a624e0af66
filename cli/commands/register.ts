import { commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { printUser } from '../output.js';
import { readPassword } from '../password-input.js';
import type { CommandParent } from '../program.js';

/** Creates the account; does not log in, so a script can register many users without touching stored credentials. */
export function addRegisterCommand(parent: CommandParent): void {
  parent
    .command('register')
    .description('create an account and print it')
    .requiredOption('--email <email>', 'the new account’s email')
    .option('--full-name <name>', 'the name to show')
    .option('--password-stdin', 'read the password from standard input instead of asking (twice) on the terminal')
    .option('--json', 'print the user as JSON, as the API returns it')
    .addHelpText('after', examples(['authcli register --email alice@example.com --full-name "Alice Example"', `printf '%s\\n' "$PASSWORD" | authcli register --email alice@example.com --password-stdin --json`]))
    .action(async (options, command) => {
      const { baseUrl } = commandContext(command.optsWithGlobals());
      // The prompt turns echo off before the HTTP client loads: nothing typed early is shown.
      const password = await readPassword({ fromStdin: options.passwordStdin === true, confirm: true });
      const [{ createApiClient }, { serverRefused }] = await Promise.all([import('../client.js'), import('../server-refusal.js')]);
      const { data, error, response } = await createApiClient(baseUrl).POST('/api/v1/users/register', {
        body: { email: options.email, password, ...(options.fullName === undefined ? {} : { full_name: options.fullName }) },
      });
      if (!data) throw serverRefused(response, error);
      printUser(data, { json: options.json === true });
    });
}
