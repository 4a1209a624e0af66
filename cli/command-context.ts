import { resolveBaseUrl } from './base-url.js';
import { notLoggedIn, usageError } from './exit-codes.js';

export const TOKEN_ENV = 'AUTHCLI_TOKEN';

/** An access token handed to this run, which then replaces the stored login: from `--token`, else from AUTHCLI_TOKEN. */
export interface GivenToken {
  value: string;
  from: '--token' | typeof TOKEN_ENV;
}

/** What every command's action works with besides its own options; built from the global options before any heavy import. */
export interface CommandContext {
  /** Normalised: flag, else AUTHCLI_BASE_URL, else the default. It also keys the stored credentials. */
  baseUrl: string;
  /** Undefined: use the credentials `authcli login` stored for baseUrl. */
  token: GivenToken | undefined;
}

export function commandContext(globals: { baseUrl?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): CommandContext {
  return { baseUrl: resolveBaseUrl(globals.baseUrl, env), token: resolveToken(globals.token, env) };
}

/** Flag, then environment, then (undefined) the stored file: the order of --base-url, and of most CLIs. */
function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv): GivenToken | undefined {
  if (flag !== undefined) {
    if (flag.trim() === '') throw usageError('--token needs an access token; leave it out to use the stored login');
    return { value: flag.trim(), from: '--token' };
  }
  const fromEnv = env[TOKEN_ENV]?.trim();
  return fromEnv ? { value: fromEnv, from: TOKEN_ENV } : undefined;
}

/**
 * Before a password prompt: someone not logged in should not type passwords
 * to learn it. Reads the stored file only (no refresh, no HTTP client), so
 * the prompt still comes before anything slow.
 */
export async function assertLoginAtHand({ baseUrl, token }: CommandContext): Promise<void> {
  if (token) return;
  const { loadCredentials } = await import('./credentials.js');
  if (!loadCredentials(baseUrl)) throw notLoggedIn(baseUrl);
}
