import { clientInfo } from '../../http/client-info.js';
import { caller, type Handler } from '../../http/state.js';
import type { TokenResponses } from '../../http/token-response.js';
import { optionalProofOf } from '../mfa/second-factor.js';
import type { AccountMail } from './account-mail.service.js';

/** The body of every 202: identical whatever happened to the account, by design. */
const ACCEPTED = { status: 'accepted' } as const;

export function accountMailHandlers(mail: AccountMail, tokenResponses: TokenResponses) {
  const requestPasswordReset: Handler<'requestPasswordReset'> = async ({ body }, ctx) => {
    await mail.requestPasswordReset(body.email, clientInfo(ctx));
    return { status: 202, body: ACCEPTED };
  };

  const resetPassword: Handler<'resetPassword'> = async ({ body }, ctx) => {
    // Asked first: a cookie-mode reset from an untrusted origin is refused before the token is looked at.
    tokenResponses.cookieMode(ctx);
    return tokenResponses.issue(ctx, await mail.resetPassword(body.token, body.new_password, optionalProofOf(body), clientInfo(ctx)));
  };

  const verifyEmail: Handler<'verifyEmail'> = async ({ body }, ctx) => ({
    status: 200,
    body: await mail.verifyEmail(body.token, clientInfo(ctx)),
  });

  const resendVerificationEmail: Handler<'resendVerificationEmail'> = async (_input, ctx) => {
    await mail.resendVerification(caller(ctx).user.id, clientInfo(ctx));
    return { status: 202, body: ACCEPTED };
  };

  const changeEmail: Handler<'changeEmail'> = async ({ body }, ctx) => {
    await mail.changeEmail(caller(ctx).user.id, body.new_email, body.password, clientInfo(ctx));
    return { status: 202, body: ACCEPTED };
  };

  return { requestPasswordReset, resetPassword, verifyEmail, resendVerificationEmail, changeEmail };
}
