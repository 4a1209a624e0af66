import type { CommandContext } from '../command-context.js';
import { printJson, printLine } from '../output.js';
import { requireSession } from '../session.js';

export interface TokenOptions {
  json?: boolean;
}

/**
 * The access token alone, for `curl -H "Authorization: Bearer $(authcli token)"`.
 * No request: it checks the stored expiry only, so it is instant inside `$(…)`.
 */
export async function run({ baseUrl }: CommandContext, options: TokenOptions): Promise<void> {
  const session = await requireSession(baseUrl);
  if (!options.json) return printLine(session.access_token);
  printJson({
    access_token: session.access_token,
    token_type: session.token_type,
    expires_at: session.access_token_expires_at,
  });
}
