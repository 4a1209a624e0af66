import type { CommandContext } from '../command-context.js';
import { formatTime, printJson, printLine, printTable } from '../output.js';
import { requireSession, sessionRefused } from '../session.js';

export interface SessionsOptions {
  revoke?: string;
  json?: boolean;
}

/** Lists the account's live sessions, newest first; `--revoke <id>` ends one of them instead. */
export async function run({ baseUrl }: CommandContext, options: SessionsOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  if (options.revoke !== undefined) {
    const sessionId = options.revoke;
    const { error, response } = await client.DELETE('/api/v1/users/me/sessions/{sessionId}', { params: { path: { sessionId } } });
    if (!response.ok) throw sessionRefused(baseUrl, response, error);
    if (options.json) return printJson({ id: sessionId, revoked: true });
    return printLine(`Ended session ${sessionId}.`);
  }

  const { data, error, response } = await client.GET('/api/v1/users/me/sessions');
  if (!data) throw sessionRefused(baseUrl, response, error);
  if (options.json) return printJson(data);
  printTable(
    ['current', 'id', 'created', 'last used', 'expires', 'ip', 'user agent'],
    data.items.map((session) => [
      session.current ? '*' : '',
      session.id,
      formatTime(session.created_at),
      formatTime(session.last_used_at),
      formatTime(session.expires_at),
      session.ip,
      session.user_agent,
    ]),
  );
}
