import { createCliSandbox, storedTokens, type CliSandbox } from './cli.js';
import { createAccount, requireCliLogin, type CliAccount } from './cli-accounts.js';
import { makeAdmin } from './manage.js';
import { bearer, type TestServer } from './server.js';

/** What `authcli admin …` prints when a member runs it: the server's 403, as it is. */
export const FORBIDDEN = 'error: This operation needs the admin role. (403 forbidden)\n';

/**
 * An admin and a member, each logged in with `authcli login` in a sandbox of its own, for a whole file: only the
 * accounts the tests act on are new each time.
 */
export interface AdminAndMember {
  admin: CliSandbox;
  adminAccount: CliAccount;
  member: CliSandbox;
  memberAccount: CliAccount;
  cleanup(): void;
}

export async function loggedInAdminAndMember(server: TestServer): Promise<AdminAndMember> {
  const admin = createCliSandbox(server.url);
  const member = createCliSandbox(server.url);
  const cleanup = () => {
    admin.cleanup();
    member.cleanup();
  };
  try {
    const adminAccount = await createAccount(server, { label: 'admin', fullName: 'Ada Admin' });
    await makeAdmin(server, adminAccount.email);
    await requireCliLogin(admin, adminAccount.email);
    const memberAccount = await createAccount(server, { label: 'member' });
    await requireCliLogin(member, memberAccount.email);
    return { admin, adminAccount, member, memberAccount, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** The account as the API shows it to the admin, for comparing with what the CLI printed. */
export function apiUser(server: TestServer, admin: CliSandbox, id: number) {
  return server.client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId: id } }, headers: bearer(storedTokens(admin).accessToken) });
}
