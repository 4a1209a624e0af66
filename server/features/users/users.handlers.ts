import { clientInfo } from '../../http/client-info.js';
import { caller, requestBody, type Handler } from '../../http/state.js';
import type { UsersService } from './users.service.js';

export function usersHandlers(users: UsersService) {
  const registerUser: Handler = async (ctx) => {
    ctx.body = await users.register(requestBody(ctx, 'registerUser'), clientInfo(ctx));
    ctx.status = 201;
  };

  const login: Handler = async (ctx) => {
    // The OAuth2 password grant (Swagger UI's Authorize) posts a form with
    // `username`; the tutorial's clients post JSON with `email`.
    const { email, password } = ctx.request.is('application/x-www-form-urlencoded')
      ? fromPasswordGrant(requestBody(ctx, 'login', 'application/x-www-form-urlencoded'))
      : requestBody(ctx, 'login');
    const tokens = await users.login(email, password, clientInfo(ctx));
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    ctx.body = tokens;
  };

  const getCurrentUser: Handler = (ctx) => {
    ctx.body = caller(ctx).user;
  };

  const updateCurrentUser: Handler = async (ctx) => {
    const { full_name } = requestBody(ctx, 'updateCurrentUser');
    ctx.body = await users.updateProfile(caller(ctx).user.id, full_name ?? null, clientInfo(ctx));
  };

  const changePassword: Handler = async (ctx) => {
    const { user, sessionId } = caller(ctx);
    const { current_password, new_password } = requestBody(ctx, 'changePassword');
    const tokens = await users.changePassword(user.id, sessionId, current_password, new_password, clientInfo(ctx));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = tokens;
  };

  const deleteCurrentUser: Handler = async (ctx) => {
    await users.deleteAccount(caller(ctx).user.id, requestBody(ctx, 'deleteCurrentUser').password, clientInfo(ctx));
    ctx.status = 204;
  };

  return { registerUser, login, getCurrentUser, updateCurrentUser, changePassword, deleteCurrentUser };
}

function fromPasswordGrant(form: { username: string; password: string }): { email: string; password: string } {
  return { email: form.username, password: form.password };
}
