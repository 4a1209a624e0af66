import type { User } from '../../db/entities/user.entity.js';
import type { ClientInfo } from '../audit/audit-log.js';
import type { AuthenticationMethod } from '../sessions/sessions.service.js';

/** A code from the app or a recovery code: what the contract's bodies carry besides the password or token. */
export type SecondFactorProof = { code: string } | { recovery_code: string };

/** The proof of a body where both are optional (the contract allows one, never both), if it carries one. */
export function optionalProofOf(body: { code?: string; recovery_code?: string }): SecondFactorProof | undefined {
  if (body.code !== undefined) return { code: body.code };
  return body.recovery_code === undefined ? undefined : { recovery_code: body.recovery_code };
}

/**
 * What a password reset asks of the account's second factor: MfaService's check, handed to AccountMail in app.ts
 * as a function so neither service imports the other. Answers the new session's `amr`; throws `mfa_code_required`
 * when the account has a factor and no proof came, `invalid_mfa_code` when the proof is wrong.
 */
export type ResetSecondFactor = (user: User, proof: SecondFactorProof | undefined, client: ClientInfo) => Promise<AuthenticationMethod[]>;
