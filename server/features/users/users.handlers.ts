import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { UsersService } from './users.service.js';

export function usersHandlers(users: UsersService) {
  const registerUser: Handler<'registerUser'> = async ({ body }, ctx) => ({
    status: 201,
    body: await users.register(body, clientInfo(ctx)),
  });

  const login: Handler<'login'> = async (input, ctx) => {
    // The OAuth2 password grant (Swagger UI's Authorize) posts a form with
    // `username`; the tutorial's clients post JSON with `email`.
    const { email, password } = input.mediaType === 'application/x-www-form-urlencoded' ? { email: input.body.username, password: input.body.password } : input.body;
    return { status: 200, body: await users.login(email, password, clientInfo(ctx)) };
  };

  const getCurrentUser: Handler<'getCurrentUser'> = (_input, ctx) => ({ status: 200, body: caller(ctx).user });

  const updateCurrentUser: Handler<'updateCurrentUser'> = async ({ body }, ctx) => ({
    status: 200,
    body: await users.updateProfile(caller(ctx).user.id, body.full_name ?? null, clientInfo(ctx)),
  });

  const changePassword: Handler<'changePassword'> = async ({ body }, ctx) => {
    const { user, sessionId } = caller(ctx);
    const tokens = await users.changePassword(user.id, sessionId, body.current_password, body.new_password, clientInfo(ctx));
    return { status: 200, body: tokens };
  };

  const deleteCurrentUser: Handler<'deleteCurrentUser'> = async ({ body }, ctx) => {
    await users.deleteAccount(caller(ctx).user.id, body.password, clientInfo(ctx));
    return { status: 204 };
  };

  return { registerUser, login, getCurrentUser, updateCurrentUser, changePassword, deleteCurrentUser };
}
