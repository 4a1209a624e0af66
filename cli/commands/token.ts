import type { CommandContext } from '../command-context.js';
import { printJson, printLine } from '../output.js';
import { requireSession } from '../session.js';

export interface TokenOptions {
  json?: boolean;
}

/**
 * The access token alone, for `curl -H "Authorization: Bearer $(authcli token)"`.
 * It checks the stored expiry only, so it is instant inside `$(…)`; the one
 * request it may make is a refresh, when the token has (nearly) run out.
 */
export async function run({ baseUrl }: CommandContext, options: TokenOptions): Promise<void> {
  const session = (await requireSession(baseUrl)).credentials;
  if (!options.json) return printLine(session.access_token);
  printJson({
    access_token: session.access_token,
    token_type: session.token_type,
    expires_at: session.access_token_expires_at,
  });
}
