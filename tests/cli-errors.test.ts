import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliLogin, EXIT, outputLines, SLOW_TEST_MS, UNREACHABLE_URL, type CliSandbox } from './helpers/cli.js';
import { createAccount } from './helpers/cli-accounts.js';
import { GOOD_PASSWORD, type TestServer, uniqueEmail } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// How authcli fails: answers that are not from the API, and failures that never leak a password or a stack.

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('answers that are not from the API', () => {
  it('a proxy’s HTML error page exits 1 with the status; a redirect names its target', async () => {
    const proxy = createHttpServer((request, response) => {
      if (request.url?.endsWith('/login')) {
        response.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      } else {
        response.writeHead(301, { Location: 'https://auth.example.com/api/v1/users/register' }).end();
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const url = address !== null && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : '';
    try {
      const gateway = await cliLogin(cli, uniqueEmail(), { args: ['--base-url', url] });
      expect(gateway.code).toBe(EXIT.generalError);
      expect(gateway.stderr).toBe('error: the server answered 502 Bad Gateway\n');
      const moved = await cli.run(['--base-url', url, 'register', '--email', uniqueEmail(), '--password-stdin'], { stdin: GOOD_PASSWORD });
      expect(moved.code).toBe(EXIT.generalError);
      expect(moved.stderr).toContain('It redirects to https://auth.example.com/api/v1/users/register; is --base-url right?');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('failures never leak', () => {
  it('passwords appear in no output and in no file, even with AUTHCLI_DEBUG', async () => {
    const password = 'Distinctive-Secret-9f3a-Passphrase';
    const wrong = 'Another-Distinctive-Secret-77c1';
    const email = uniqueEmail('secret');
    const env = { AUTHCLI_DEBUG: '1' };
    const results = [
      await cli.run(['register', '--email', email, '--password-stdin'], { stdin: password, env }),
      await cli.run(['register', '--email', email, '--password-stdin'], { stdin: password, env }),
      await cli.run(['register', '--email', 'bad', '--password-stdin'], { stdin: password, env }),
      await cli.run(['login', '--email', email, '--password-stdin'], { stdin: wrong, env }),
      await cli.run(['login', '--email', email, '--password-stdin', '--json'], { stdin: password, env }),
      await cli.run(['me', '--json'], { env }),
      await cli.run(['token'], { env }),
      await cli.run(['--base-url', UNREACHABLE_URL, 'login', '--email', email, '--password-stdin'], { stdin: password, env }),
    ];
    expect(results.map((result) => result.code)).toEqual([0, 1, 1, 1, 0, 0, 0, 3]);
    for (const { stdout, stderr } of results) {
      for (const secret of [password, wrong]) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
    }
    expect(readFileSync(cli.readCredentials().path, 'utf8')).not.toContain(password);
  }, SLOW_TEST_MS);

  it('an unexpected failure prints one line and exits 1; AUTHCLI_DEBUG=1 adds the stack', async () => {
    const { email } = await createAccount(server);
    // A file where the config folder should be: creating the folder fails in a way no command expects.
    writeFileSync(join(cli.home, 'not-a-folder'), '');
    const env = { AUTHCLI_CONFIG_DIR: join(cli.home, 'not-a-folder') };
    const quiet = await cliLogin(cli, email, { env });
    expect(quiet.code).toBe(EXIT.generalError);
    expect(outputLines(quiet.stderr)).toEqual([expect.stringMatching(/^error: unexpected error: .*\(set AUTHCLI_DEBUG=1 to see the stack\)$/)]);
    expect(quiet.stdout).toBe('');

    const debug = await cliLogin(cli, email, { env: { ...env, AUTHCLI_DEBUG: '1' } });
    expect(debug.code).toBe(EXIT.generalError);
    expect(debug.stderr).toMatch(/^\s+at .+credentials\.js/m);
  });
});
