import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT, type CliSandbox } from './helpers/cli.js';
import { GOOD_PASSWORD, uniqueEmail } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli's help, version and usage errors (exit 2), run as the built binary.

let cli: CliSandbox;

serverWithFreshSandboxes({ cli: (sandbox) => (cli = sandbox) });

describe('help, version and usage errors', () => {
  it('--help lists the commands, examples and every exit code, on stdout', async () => {
    const result = await cli.run(['--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    for (const command of ['register', 'login', 'me', 'token', 'logout', 'passwd', 'profile', 'sessions', 'delete-account', 'admin']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('curl -H "Authorization: Bearer $(authcli token)"');
    expect(result.stdout).toContain('--base-url <url>');
    for (const code of [0, 1, 2, 3, 4]) expect(result.stdout).toMatch(new RegExp(`^  ${code}  \\w`, 'm'));
  });

  it('each command has its own help with an example', async () => {
    for (const command of ['register', 'login', 'me', 'token', 'logout', 'passwd', 'profile', 'sessions', 'delete-account', 'admin']) {
      const result = await cli.run([command, '--help']);
      expect(result.code, command).toBe(EXIT.ok);
      expect(result.stdout, command).toContain(`Usage: authcli ${command}`);
      expect(result.stdout, command).toMatch(new RegExp(String.raw`^Examples:\n(  .*\n)*  .*\bauthcli (--\S+ \S+ )?${command}\b`, 'm'));
    }
  });

  it('--version prints the package version', async () => {
    const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
    const result = await cli.run(['--version']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(`${String(version)}\n`);
  });

  it.each([
    ['an unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
    ['a missing --email', ['login', '--password-stdin'], "required option '--email <email>'"],
    ['a password given as an argument', ['login', '--email', 'a@example.com', '--password', 'hunter22'], "unknown option '--password'"],
    ['an extra argument', ['me', 'extra'], 'too many arguments'],
    ['a base URL that is not a URL', ['--base-url', 'not a url', 'me'], '--base-url "not a url" is not a URL'],
    ['a base URL that is not http', ['--base-url', 'ftp://example.com', 'me'], 'must start with http:// or https://'],
  ])('exits 2 on %s', async (_name, args, message) => {
    const result = await cli.run(args);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(`error: `);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('exits 2 with the usage when no command is given', async () => {
    const result = await cli.run([]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('Usage: authcli');
    expect(result.stdout).toBe('');
  });

  it.each([['login'], ['register']])('%s without a terminal and without --password-stdin exits 2 and explains --password-stdin', async (command) => {
    const result = await cli.run([command, '--email', uniqueEmail()], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('--password-stdin');
    expect(result.stderr).toContain('no terminal');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('--password-stdin with nothing on standard input exits 2', async () => {
    const result = await cli.run(['login', '--email', uniqueEmail(), '--password-stdin'], { stdin: '' });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('standard input was empty');
  });
});
