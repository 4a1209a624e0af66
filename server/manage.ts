import { roleValues, type components } from '../generated/openapi.js';
import { ConfigError } from './config.js';
import { USAGE } from './manage/usage.js';

type Role = components['schemas']['Role'];

/**
 * Operator commands, run on the server host against whatever DATABASE_URL
 * names. There is no default admin account: the first one is made here.
 *
 *   npm run --silent manage -- set-role <email> <member|admin>
 *   npm run --silent manage -- unlock <email>
 *   npm run --silent manage -- remove-mfa <email>
 *   npm run --silent manage -- keys generate [--alg ES256|RS256] [--status next|active] [--out <file>]
 */
async function main(args: string[]): Promise<number> {
  // Each command's code is loaded only when asked for: a usage error should not wait for the ORM to load.
  if (args[0] === 'unlock') return (await import('./manage/unlock.js')).unlock(args.slice(1));
  if (args[0] === 'remove-mfa') return (await import('./manage/remove-mfa.js')).removeMfa(args.slice(1));
  // The roles the contract's Role schema lists (generated), so a role added there is accepted here.
  const [command, email, arg] = args;
  if (command === 'keys') return (await import('./manage/keys.js')).keysCommand(args.slice(1));
  const role: Role | undefined = roleValues.find((value) => value === arg);
  if (command !== 'set-role') {
    // No command, or one it does not know: every command's usage line.
    console.error(Object.values(USAGE).join('\n'));
    return 2;
  }
  if (!email || !role) {
    console.error(USAGE.setRole);
    return 2;
  }
  // Loaded only now: a usage error should not wait for the ORM to load.
  const { setRole } = await import('./manage/set-role.js');
  return setRole(email, role);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `manage failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
