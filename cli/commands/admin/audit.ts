import { Option } from '@commander-js/extra-typings';
import type { components } from '../../../generated/openapi.js';
import { AUDIT_EVENT_TYPES, pageOptions, positiveInteger } from '../../arguments.js';
import { commandContext } from '../../command-context.js';
import { examples } from '../../help-text.js';
import { formatTime, printJson, printPage } from '../../output.js';
import type { CommandParent } from '../../program.js';

type AuditEvent = components['schemas']['AuditEvent'];

export function addAuditCommand(admin: CommandParent): void {
  const page = pageOptions('events');
  admin
    .command('audit')
    .description('read the security audit log, newest first')
    .addOption(page.limit)
    .addOption(page.offset)
    .addOption(new Option('--user <id>', 'only events about this account').argParser(positiveInteger))
    .addOption(new Option('--event <type>', 'only events of this type').choices(AUDIT_EVENT_TYPES))
    .option('--json', 'print the page as JSON, as the API returns it ({items, total})')
    .addHelpText('after', examples(['authcli admin audit', 'authcli admin audit --user 42 --event login_failed', 'authcli admin audit --event role_changed --limit 5 --json']))
    .action(async (options, command) => {
      const context = commandContext(command.optsWithGlobals());
      const { requireSession, sessionRefused } = await import('../../session.js');
      const { client } = await requireSession(context);
      const { data, error, response } = await client.GET('/api/v1/admin/audit', {
        params: { query: { user_id: options.user, event: options.event, limit: options.limit, offset: options.offset } },
      });
      if (!data) throw sessionRefused(context, response, error);
      if (options.json) return printJson(data);
      printPage(
        'events',
        { offset: options.offset ?? 0, total: data.total },
        ['id', 'at', 'event', 'user', 'actor', 'ip', 'details'],
        data.items.map((event) => [event.id, formatTime(event.at, 'seconds'), event.event, event.user_id, event.actor_id, event.ip, describeDetails(event.details)]),
      );
    });
}

/** `from=member to=admin`: one line per event; a value with a space or quote is JSON-quoted so the pairs stay apart. */
function describeDetails(details: AuditEvent['details']): string | null {
  if (!details) return null;
  const pairs = Object.entries(details).map(([key, value]) => {
    const text = String(value);
    return `${key}=${/^[^\s"=]*$/.test(text) && text !== '' ? text : JSON.stringify(text)}`;
  });
  return pairs.length > 0 ? pairs.join(' ') : null;
}
