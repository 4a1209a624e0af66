import type { CommandContext } from '../command-context.js';
import { printJson, printLine } from '../output.js';
import { requireSession } from '../session.js';

export interface TokenOptions {
  json?: boolean;
  decode?: boolean;
}

/**
 * The access token alone, for `curl -H "Authorization: Bearer $(authcli token)"`.
 * It checks the stored expiry only, so it is instant inside `$(…)`; the one
 * request it may make is a refresh, when the token has (nearly) run out.
 */
export async function run({ baseUrl }: CommandContext, options: TokenOptions): Promise<void> {
  const session = (await requireSession(baseUrl)).credentials;
  // Decoded, not verified: for reading what a resource server will see (kid, alg, aud, exp).
  if (options.decode) {
    const [header, claims] = session.access_token.split('.', 2).map((part): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    return printJson({ header, claims });
  }
  if (!options.json) return printLine(session.access_token);
  printJson({
    access_token: session.access_token,
    token_type: session.token_type,
    expires_at: session.access_token_expires_at,
  });
}
