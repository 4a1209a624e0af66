import { printJson, printLine } from '../../output.js';
import type { CommandParent } from '../../program.js';
import { addAccountCommand } from './account-command.js';

/** Lifts a lock-out after too many failed logins; the counters of client addresses stay (they protect every account). */
export function addUsersUnlockCommand(users: CommandParent): void {
  const command = { name: 'unlock', description: 'let an account locked out by failed logins log in again at once', json: 'print the result as JSON' };
  addAccountCommand(users, command, async ({ client, userId, json, refused }) => {
    const { error, response } = await client.POST('/api/v1/admin/users/{userId}/unlock', { params: { path: { userId } } });
    if (!response.ok) throw refused(response, error);
    if (json) return printJson({ id: userId, unlocked: true });
    printLine(`Unlocked account ${userId}: its failed logins are forgotten.`);
  });
}
