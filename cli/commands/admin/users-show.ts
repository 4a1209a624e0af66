import { printUser } from '../../output.js';
import type { CommandParent } from '../../program.js';
import { addAccountCommand } from './account-command.js';

export function addUsersShowCommand(users: CommandParent): void {
  addAccountCommand(users, { name: 'show', description: 'show one account', json: 'print the user as JSON, as the API returns it' }, async ({ client, userId, json, refused }) => {
    const { data, error, response } = await client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId } } });
    if (!data) throw refused(response, error);
    printUser(data, { json, admin: true });
  });
}
