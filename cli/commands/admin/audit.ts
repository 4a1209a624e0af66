import type { components } from '../../../generated/openapi.js';
import type { CommandContext } from '../../command-context.js';
import { formatTime, printJson, printPage } from '../../output.js';
import { requireSession, sessionRefused } from '../../session.js';

type AuditEventType = components['schemas']['AuditEventType'];
type AuditEvent = components['schemas']['AuditEvent'];

export interface AuditOptions {
  user?: number;
  event?: AuditEventType;
  limit?: number;
  offset?: number;
  json?: boolean;
}

export async function run({ baseUrl }: CommandContext, options: AuditOptions): Promise<void> {
  const { client } = await requireSession(baseUrl);
  const { data, error, response } = await client.GET('/api/v1/admin/audit', {
    params: { query: { user_id: options.user, event: options.event, limit: options.limit, offset: options.offset } },
  });
  if (!data) throw sessionRefused(baseUrl, response, error);
  if (options.json) return printJson(data);
  printPage(
    'events',
    { offset: options.offset ?? 0, total: data.total },
    ['id', 'at', 'event', 'user', 'actor', 'ip', 'details'],
    data.items.map((event) => [event.id, formatTime(event.at, 'seconds'), event.event, event.user_id, event.actor_id, event.ip, describeDetails(event.details)]),
  );
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
