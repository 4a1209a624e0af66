import { clientInfo } from '../../http/client-info.js';
import { caller, requestBody, requestPath, requestQuery, type Handler } from '../../http/state.js';
import type { AdminService } from './admin.service.js';

/** Admin operations; authentication has already refused callers without the admin role (403). */
export function adminHandlers(admin: AdminService) {
  const listUsers: Handler = async (ctx) => {
    const { limit = 20, offset = 0, email } = requestQuery(ctx, 'listUsers');
    ctx.body = await admin.listUsers({ limit, offset }, email);
  };

  const getUser: Handler = async (ctx) => {
    ctx.body = await admin.getUser(requestPath(ctx, 'getUser').userId);
  };

  const updateUser: Handler = async (ctx) => {
    const { userId } = requestPath(ctx, 'updateUser');
    ctx.body = await admin.updateUser(caller(ctx).user.id, userId, requestBody(ctx, 'updateUser'), clientInfo(ctx));
  };

  const deleteUser: Handler = async (ctx) => {
    await admin.deleteUser(caller(ctx).user.id, requestPath(ctx, 'deleteUser').userId, clientInfo(ctx));
    ctx.status = 204;
  };

  const listAuditEvents: Handler = async (ctx) => {
    const { limit = 20, offset = 0, user_id, event } = requestQuery(ctx, 'listAuditEvents');
    ctx.body = await admin.listAuditEvents({ limit, offset }, { userId: user_id, event });
  };

  return { listUsers, getUser, updateUser, deleteUser, listAuditEvents };
}
