import { invalidRefreshToken, validationFailed } from '../../errors.js';
import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { TokenResponses } from '../../http/token-response.js';
import type { SessionsService } from './sessions.service.js';

export function sessionsHandlers(sessions: SessionsService, tokenResponses: TokenResponses) {
  const refreshTokens: Handler<'refreshTokens'> = async ({ body }, ctx) => {
    // The body's token wins; cookie mode may leave the body out and send the HttpOnly cookie instead.
    const refreshToken = body?.refresh_token ?? tokenResponses.refreshTokenFromCookie(ctx);
    if (refreshToken === undefined) {
      if (tokenResponses.cookieMode(ctx)) throw invalidRefreshToken();
      throw validationFailed([{ path: '/body', message: 'is required' }]);
    }
    return tokenResponses.issue(ctx, await sessions.refresh(refreshToken, clientInfo(ctx)));
  };

  const logOut: Handler<'logOut'> = async ({ query }, ctx) => {
    // Asked first, so a cookie-mode logout from an untrusted origin ends nothing.
    const cookieMode = tokenResponses.cookieMode(ctx);
    const { user, sessionId } = caller(ctx);
    await sessions.logOut(user.id, sessionId, query.scope ?? 'current', clientInfo(ctx));
    if (cookieMode) tokenResponses.clear(ctx);
    return { status: 204 };
  };

  const listMySessions: Handler<'listMySessions'> = async ({ query }, ctx) => {
    const { user, sessionId } = caller(ctx);
    return { status: 200, body: await sessions.list(user.id, sessionId, { limit: query.limit ?? 100, offset: query.offset ?? 0 }) };
  };

  const revokeMySession: Handler<'revokeMySession'> = async ({ path }, ctx) => {
    await sessions.revokeOne(caller(ctx).user.id, path.sessionId, clientInfo(ctx));
    return { status: 204 };
  };

  return { refreshTokens, logOut, listMySessions, revokeMySession };
}
