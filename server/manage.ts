import type { components } from '../generated/openapi.js';
import { loadApiSpec, schemaEnum } from './api-spec.js';
import { ConfigError } from './config.js';

type Role = components['schemas']['Role'];

/**
 * Operator commands, run on the server host against whatever DATABASE_URL
 * names. There is no default admin account: the first one is made here.
 *
 *   npm run --silent manage -- set-role <email> <member|admin>
 */
async function main(args: string[]): Promise<number> {
  // The roles the contract defines (its Role schema), so a role added there is accepted here.
  const roles = schemaEnum(loadApiSpec().document, 'Role');
  const isRole = (value: string | undefined): value is Role => roles.includes(value);
  const [command, email, role] = args;
  if (command !== 'set-role' || !email || !isRole(role)) {
    console.error(`usage: npm run --silent manage -- set-role <email> <${roles.join('|')}>`);
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
