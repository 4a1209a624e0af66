import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { SessionsService } from './sessions.service.js';

export function sessionsHandlers(sessions: SessionsService) {
  const refreshTokens: Handler<'refreshTokens'> = async ({ body }, ctx) => ({
    status: 200,
    body: await sessions.refresh(body.refresh_token, clientInfo(ctx)),
  });

  const logOut: Handler<'logOut'> = async ({ query }, ctx) => {
    const { user, sessionId } = caller(ctx);
    await sessions.logOut(user.id, sessionId, query.scope ?? 'current', clientInfo(ctx));
    return { status: 204 };
  };

  const listMySessions: Handler<'listMySessions'> = async (_input, ctx) => {
    const { user, sessionId } = caller(ctx);
    return { status: 200, body: { items: await sessions.list(user.id, sessionId) } };
  };

  const revokeMySession: Handler<'revokeMySession'> = async ({ path }, ctx) => {
    await sessions.revokeOne(caller(ctx).user.id, path.sessionId, clientInfo(ctx));
    return { status: 204 };
  };

  return { refreshTokens, logOut, listMySessions, revokeMySession };
}
