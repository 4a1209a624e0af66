import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createCliSandbox, type CliSandbox } from './cli.js';
import { loggedInAdminAndMember, type AdminAndMember } from './cli-admin.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * The hooks most authcli test files share: one test server for the file, and a fresh CLI sandbox (its own
 * credentials folder) for each test. `bind` hands each to the file's own variables as it is made, so a nested
 * beforeAll already sees the server.
 */
export function serverWithFreshSandboxes(bind: { server?(server: TestServer): void; cli(cli: CliSandbox): void }): void {
  let server: TestServer | undefined;
  let cli: CliSandbox | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    bind.server?.(server);
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    if (!server) throw new Error('the test server did not start');
    cli = createCliSandbox(server.url);
    bind.cli(cli);
  });
  afterEach(() => {
    cli?.cleanup();
  });
}

/** One test server for the file, with an admin and a member each logged in with `authcli login` for all its tests. */
export function serverWithAdminAndMember(bind: (server: TestServer, sandboxes: AdminAndMember) => void): void {
  let server: TestServer | undefined;
  let sandboxes: AdminAndMember | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    sandboxes = await loggedInAdminAndMember(server);
    bind(server, sandboxes);
  });
  afterAll(async () => {
    sandboxes?.cleanup();
    await server?.stop();
  });
}
