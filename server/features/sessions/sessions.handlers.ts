import { clientInfo } from '../../http/client-info.js';
import { caller, requestBody, requestPath, requestQuery, type Handler } from '../../http/state.js';
import type { SessionsService } from './sessions.service.js';

export function sessionsHandlers(sessions: SessionsService) {
  const refreshTokens: Handler = async (ctx) => {
    const tokens = await sessions.refresh(requestBody(ctx, 'refreshTokens').refresh_token, clientInfo(ctx));
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    ctx.body = tokens;
  };

  const logOut: Handler = async (ctx) => {
    const { user, sessionId } = caller(ctx);
    await sessions.logOut(user.id, sessionId, requestQuery(ctx, 'logOut').scope ?? 'current', clientInfo(ctx));
    ctx.status = 204;
  };

  const listMySessions: Handler = async (ctx) => {
    const { user, sessionId } = caller(ctx);
    ctx.body = { items: await sessions.list(user.id, sessionId) };
  };

  const revokeMySession: Handler = async (ctx) => {
    await sessions.revokeOne(caller(ctx).user.id, requestPath(ctx, 'revokeMySession').sessionId, clientInfo(ctx));
    ctx.status = 204;
  };

  return { refreshTokens, logOut, listMySessions, revokeMySession };
}
