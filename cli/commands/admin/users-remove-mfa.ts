import { printJson, printLine } from '../../output.js';
import type { CommandParent } from '../../program.js';
import { addAccountCommand } from './account-command.js';

/** For an owner who lost the authenticator app and the recovery codes; the server ends the account's sessions and mails a notice. */
export function addUsersRemoveMfaCommand(users: CommandParent): void {
  const command = {
    name: 'remove-mfa',
    description: "remove an account's authenticator app and recovery codes (lost phone); its sessions end",
    json: 'print the result as JSON',
  };
  addAccountCommand(users, command, async ({ client, userId, json, refused }) => {
    const { error, response } = await client.DELETE('/api/v1/admin/users/{userId}/mfa', { params: { path: { userId } } });
    if (!response.ok) throw refused(response, error);
    if (json) return printJson({ id: userId, mfa_removed: true });
    printLine(`Removed the authenticator app of account ${userId}: logins ask for the password alone, and every session of the account has ended.`);
  });
}
