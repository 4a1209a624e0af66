import type { Context } from 'koa';
import type { AccessTokens } from '../auth/access-tokens.js';
import { invalidToken, missingToken } from '../errors.js';
import type { UsersService } from '../features/users/users.service.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The security handler for `OAuth2PasswordBearer`: run by the OpenAPI
 * validator for exactly the operations whose spec asks for a token. Only the
 * Authorization header counts; `?access_token=` would end up in access logs.
 */
export function authenticateBearer(accessTokens: AccessTokens, users: UsersService) {
  return async function authenticateBearer(ctx: Context): Promise<void> {
    const header = ctx.get('Authorization');
    if (header === '') throw missingToken();
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw invalidToken('The Authorization header must be "Bearer <token>".');
    const claims = accessTokens.verify(token);
    if (!claims) throw invalidToken();
    const user = await users.findActiveUser(claims.userId);
    // A deleted or disabled account's tokens stop working at once: 401, not 404.
    if (!user) throw invalidToken();
    ctx.state.user = user;
  };
}
