import { expect } from 'vitest';
import { cliLogin, EXIT, type CliSandbox } from './cli.js';
import { registerAccount, type AccountOptions, type TestServer } from './server.js';

export interface CliAccount {
  email: string;
  id: number;
}

/** An account created through the API, so tests of other commands do not depend on `authcli register`. */
export function createAccount(server: Pick<TestServer, 'client'>, options: AccountOptions = {}): Promise<CliAccount> {
  return registerAccount(server, { label: 'cli', ...options });
}

/** `authcli login` in this sandbox, which must succeed: a refusal fails the test (or its setup) with the CLI's message. */
export async function requireCliLogin(cli: CliSandbox, email: string): Promise<void> {
  const result = await cliLogin(cli, email);
  expect(result.code, result.stderr).toBe(EXIT.ok);
}

/** An account created through the API and logged in with `authcli login` in this sandbox. */
export async function loggedIn(server: Pick<TestServer, 'client'>, cli: CliSandbox, options: AccountOptions = {}): Promise<CliAccount> {
  const { email, id } = await createAccount(server, options);
  await requireCliLogin(cli, email);
  return { email, id };
}
