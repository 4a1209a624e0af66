import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { TokenResponses } from '../../http/token-response.js';
import type { UsersService } from './users.service.js';

export function usersHandlers(users: UsersService, tokenResponses: TokenResponses) {
  const registerUser: Handler<'registerUser'> = async ({ body }, ctx) => ({
    status: 201,
    body: await users.register(body, clientInfo(ctx)),
  });

  const login: Handler<'login'> = async (input, ctx) => {
    // Asked first: a cookie-mode login from an untrusted origin is refused before any password is checked.
    tokenResponses.cookieMode(ctx);
    // The OAuth2 password grant (Swagger UI's Authorize) posts a form with
    // `username`; the tutorial's clients post JSON with `email`.
    const { email, password } = input.mediaType === 'application/x-www-form-urlencoded' ? { email: input.body.username, password: input.body.password } : input.body;
    return tokenResponses.issue(ctx, await users.login(email, password, clientInfo(ctx)));
  };

  const getCurrentUser: Handler<'getCurrentUser'> = (_input, ctx) => ({ status: 200, body: caller(ctx).user });

  const updateCurrentUser: Handler<'updateCurrentUser'> = async ({ body }, ctx) => ({
    status: 200,
    body: await users.updateProfile(caller(ctx).user.id, body.full_name ?? null, clientInfo(ctx)),
  });

  const changePassword: Handler<'changePassword'> = async ({ body }, ctx) => {
    tokenResponses.cookieMode(ctx);
    const { user, sessionId } = caller(ctx);
    return tokenResponses.issue(ctx, await users.changePassword(user.id, sessionId, body.current_password, body.new_password, clientInfo(ctx)));
  };

  const deleteCurrentUser: Handler<'deleteCurrentUser'> = async ({ body }, ctx) => {
    await users.deleteAccount(caller(ctx).user.id, body.password, clientInfo(ctx));
    return { status: 204 };
  };

  return { registerUser, login, getCurrentUser, updateCurrentUser, changePassword, deleteCurrentUser };
}
