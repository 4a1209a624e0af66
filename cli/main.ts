import { CommanderError } from '@commander-js/extra-typings';
import { addAccountMailCommands } from './commands/account-mail.js';
import { addAdminGroup } from './commands/admin.js';
import { addAuditCommand } from './commands/admin/audit.js';
import { addUsersActivateCommand, addUsersDeactivateCommand } from './commands/admin/users-activation.js';
import { addUsersCreateCommand } from './commands/admin/users-create.js';
import { addUsersDeleteCommand } from './commands/admin/users-delete.js';
import { addUsersListCommand } from './commands/admin/users-list.js';
import { addUsersRemoveMfaCommand } from './commands/admin/users-remove-mfa.js';
import { addUsersSetPasswordCommand } from './commands/admin/users-set-password.js';
import { addUsersSetRoleCommand } from './commands/admin/users-set-role.js';
import { addUsersShowCommand } from './commands/admin/users-show.js';
import { addUsersUnlockCommand } from './commands/admin/users-unlock.js';
import { addUsersGroup } from './commands/admin/users.js';
import { addDeleteAccountCommand } from './commands/delete-account.js';
import { addLoginCommand } from './commands/login.js';
import { addLogoutCommand } from './commands/logout.js';
import { addMeCommand } from './commands/me.js';
import { addMfaCommands } from './commands/mfa.js';
import { addPasswdCommand } from './commands/passwd.js';
import { addProfileCommand } from './commands/profile.js';
import { addRegisterCommand } from './commands/register.js';
import { addSessionsCommand } from './commands/sessions.js';
import { addTokenCommand } from './commands/token.js';
import { CliError, ExitCode } from './exit-codes.js';
import { printError } from './output.js';
import { createProgram, type Program } from './program.js';
import { readVersion } from './version.js';

/**
 * The command tree. Each command file declares its command beside its
 * action; only commander and small modules load here, and each action
 * imports what it needs (openapi-fetch among them) when it runs, so
 * `authcli --help` stays close to bare `node` start-up.
 */
function buildProgram(version: string): Program {
  const program = createProgram(version);
  for (const add of [addRegisterCommand, addLoginCommand, addMeCommand, addTokenCommand, addLogoutCommand, addPasswdCommand, addProfileCommand, addSessionsCommand, addMfaCommands, addDeleteAccountCommand, addAccountMailCommands]) {
    add(program);
  }
  const admin = addAdminGroup(program);
  const users = addUsersGroup(admin);
  for (const add of [
    addUsersListCommand,
    addUsersShowCommand,
    addUsersCreateCommand,
    addUsersSetRoleCommand,
    addUsersSetPasswordCommand,
    addUsersActivateCommand,
    addUsersDeactivateCommand,
    addUsersUnlockCommand,
    addUsersRemoveMfaCommand,
    addUsersDeleteCommand,
  ]) {
    add(users);
  }
  addAuditCommand(admin);
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
  return ExitCode.GeneralError;
}
