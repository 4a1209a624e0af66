import { requestBody, type Handler } from '../../http/state.js';
import type { UsersService } from './users.service.js';

export function usersHandlers(users: UsersService) {
  const registerUser: Handler = async (ctx) => {
    ctx.body = await users.register(requestBody(ctx, 'registerUser'));
    ctx.status = 201;
  };

  const login: Handler = async (ctx) => {
    // The OAuth2 password grant (Swagger UI's Authorize) posts a form with
    // `username`; the tutorial's clients post JSON with `email`.
    const credentials = ctx.request.is('application/x-www-form-urlencoded')
      ? fromPasswordGrant(requestBody(ctx, 'login', 'application/x-www-form-urlencoded'))
      : requestBody(ctx, 'login');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    ctx.body = await users.login(credentials.email, credentials.password);
  };

  const getCurrentUser: Handler = (ctx) => {
    ctx.body = ctx.state.user;
  };

  return { registerUser, login, getCurrentUser };
}

function fromPasswordGrant(form: { username: string; password: string }): { email: string; password: string } {
  return { email: form.username, password: form.password };
}
