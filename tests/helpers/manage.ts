import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './server.js';

/** The built operator command, exactly what `npm run manage` runs; `npm test` builds it first. */
export const MANAGE_JS = fileURLToPath(new URL('../../dist/server/manage.js', import.meta.url));

export interface ManageResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `manage` against a test server's database (its SQLite file, or its
 * PostgreSQL database), as an operator on the server host would: from the
 * server's scratch folder (so no developer `.env` is read) and with an
 * environment built from scratch. `env` adds to or overrides it.
 */
export function runManage(server: TestServer, args: string[], env: Record<string, string> = {}): Promise<ManageResult> {
  return execManage(server.dir, args, { DATABASE_URL: server.databaseUrl, ...env });
}

function execManage(cwd: string, args: string[], env: Record<string, string>): Promise<ManageResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [MANAGE_JS, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Gives an existing account the admin role the only way the first admin can get it: `manage set-role`. */
export async function makeAdmin(server: TestServer, email: string): Promise<void> {
  const result = await runManage(server, ['set-role', email, 'admin']);
  if (result.code !== 0) throw new Error(`manage set-role failed (${result.code}): ${result.stderr}`);
}
