import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { AdminService } from './admin.service.js';

/** Admin operations; authentication has already refused callers without the admin role (403). */
export function adminHandlers(admin: AdminService) {
  const listUsers: Handler<'listUsers'> = async ({ query }) => {
    const { limit = 20, offset = 0, email } = query;
    return { status: 200, body: await admin.listUsers({ limit, offset }, email) };
  };

  const createUser: Handler<'createUser'> = async ({ body }, ctx) => ({
    status: 201,
    body: await admin.createUser(caller(ctx).user.id, body, clientInfo(ctx)),
  });

  const getUser: Handler<'getUser'> = async ({ path }) => ({ status: 200, body: await admin.getUser(path.userId) });

  const updateUser: Handler<'updateUser'> = async ({ path, body }, ctx) => ({
    status: 200,
    body: await admin.updateUser(caller(ctx).user.id, path.userId, body, clientInfo(ctx)),
  });

  const deleteUser: Handler<'deleteUser'> = async ({ path }, ctx) => {
    await admin.deleteUser(caller(ctx).user.id, path.userId, clientInfo(ctx));
    return { status: 204 };
  };

  const setUserPassword: Handler<'setUserPassword'> = async ({ path, body }, ctx) => {
    await admin.setUserPassword(caller(ctx).user.id, path.userId, body.password, clientInfo(ctx));
    return { status: 204 };
  };

  const unlockUser: Handler<'unlockUser'> = async ({ path }, ctx) => {
    await admin.unlockUser(caller(ctx).user.id, path.userId, clientInfo(ctx));
    return { status: 204 };
  };

  const removeUserSecondFactor: Handler<'removeUserSecondFactor'> = async ({ path }, ctx) => {
    await admin.removeUserSecondFactor(caller(ctx).user.id, path.userId, clientInfo(ctx));
    return { status: 204 };
  };

  const listAuditEvents: Handler<'listAuditEvents'> = async ({ query }) => {
    const { limit = 20, offset = 0, user_id, event } = query;
    return { status: 200, body: await admin.listAuditEvents({ limit, offset }, { userId: user_id, event }) };
  };

  return { listUsers, createUser, getUser, updateUser, deleteUser, setUserPassword, unlockUser, removeUserSecondFactor, listAuditEvents };
}
