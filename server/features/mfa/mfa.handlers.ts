import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { TokenResponses } from '../../http/token-response.js';
import type { MfaService } from './mfa.service.js';
import type { SecondFactorProof } from './second-factor.js';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** The code or the recovery code of a body the contract's oneOf allows only one of. */
function proofOf(body: SecondFactorProof): SecondFactorProof {
  return 'code' in body ? { code: body.code } : { recovery_code: body.recovery_code };
}

export function mfaHandlers(mfa: MfaService, tokenResponses: TokenResponses) {
  const loginWithSecondFactor: Handler<'loginWithSecondFactor'> = async ({ body }, ctx) => {
    // As at login: a cookie-mode request from an untrusted origin is refused before anything is checked.
    tokenResponses.cookieMode(ctx);
    return tokenResponses.issue(ctx, await mfa.completeLogin(body.mfa_token, proofOf(body), clientInfo(ctx)));
  };

  const getMySecondFactor: Handler<'getMySecondFactor'> = async (_input, ctx) => ({ status: 200, body: await mfa.status(caller(ctx).user.id) });

  const enrolTotp: Handler<'enrolTotp'> = async ({ body }, ctx) => ({
    status: 201,
    body: await mfa.enrol(caller(ctx).user.id, body.password, clientInfo(ctx)),
    headers: NO_STORE,
  });

  const confirmTotp: Handler<'confirmTotp'> = async ({ body }, ctx) => {
    const { user, sessionId } = caller(ctx);
    return { status: 200, body: { recovery_codes: await mfa.confirm(user.id, sessionId, body.code, clientInfo(ctx)) }, headers: NO_STORE };
  };

  const removeTotp: Handler<'removeTotp'> = async ({ body }, ctx) => {
    const { user, sessionId } = caller(ctx);
    await mfa.remove(user.id, sessionId, body.password, proofOf(body), clientInfo(ctx));
    return { status: 204 };
  };

  const regenerateRecoveryCodes: Handler<'regenerateRecoveryCodes'> = async ({ body }, ctx) => ({
    status: 200,
    body: { recovery_codes: await mfa.regenerateRecoveryCodes(caller(ctx).user.id, body.password, proofOf(body), clientInfo(ctx)) },
    headers: NO_STORE,
  });

  return { loginWithSecondFactor, getMySecondFactor, enrolTotp, confirmTotp, removeTotp, regenerateRecoveryCodes };
}
