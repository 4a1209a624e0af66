import { pageOptions, sessionId } from '../arguments.js';
import { commandContext } from '../command-context.js';
import { examples } from '../help-text.js';
import { formatTime, printJson, printLine, printPage, printTable } from '../output.js';
import type { CommandParent } from '../program.js';
import { Option } from '@commander-js/extra-typings';

/** Lists the account's live sessions, newest first; `--revoke <id>` ends one of them instead. */
export function addSessionsCommand(parent: CommandParent): void {
  const page = pageOptions('sessions', 100);
  parent
    .command('sessions')
    .description('list your sessions (logins) on this server, or end one')
    .addOption(new Option('--revoke <id>', 'end the session with this id instead of listing').argParser(sessionId))
    .addOption(page.limit)
    .addOption(page.offset)
    .option('--wide', 'show each user agent in full instead of shortened ("Chrome 156 on Linux")')
    .option('--json', 'print the sessions as JSON, as the API returns them')
    .addHelpText('after', examples(['authcli sessions', 'authcli sessions --wide', 'authcli sessions --revoke 0b1e4d7a-5c3f-4e2a-9d61-8f0c2b7a4e19', 'authcli sessions --json | jq -r \'.items[] | select(.current | not) | .id\'']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../session.js');
      const { client } = await requireSession(context);
      if (options.revoke !== undefined) {
        const sessionId = options.revoke;
        const { error, response } = await client.DELETE('/api/v1/users/me/sessions/{sessionId}', { params: { path: { sessionId } } });
        if (!response.ok) throw sessionRefused(context, response, error);
        if (options.json) return printJson({ id: sessionId, revoked: true });
        return printLine(`Ended session ${sessionId}.`);
      }

      const { data, error, response } = await client.GET('/api/v1/users/me/sessions', {
        params: { query: { limit: options.limit, offset: options.offset } },
      });
      if (!data) throw sessionRefused(context, response, error);
      if (options.json) return printJson(data);
      const describe = options.wide ? (userAgent: string) => userAgent : (await import('../user-agent.js')).describeUserAgent;
      const offset = options.offset ?? 0;
      const headers = ['current', 'id', 'created', 'last used', 'expires', 'ip', 'user agent'];
      const rows = data.items.map((session) => [
          session.current ? '*' : '',
          session.id,
          formatTime(session.created_at),
          formatTime(session.last_used_at),
          formatTime(session.expires_at),
          session.ip,
          session.user_agent === null ? null : describe(session.user_agent),
        ]);
      // One page holds every session unless the account has more than a page (or asked for less): then say where it sits.
      if (offset === 0 && rows.length === data.total) printTable(headers, rows);
      else printPage('sessions', { offset, total: data.total }, headers, rows);
    });
}
