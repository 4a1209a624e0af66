import type { components } from '../../../generated/openapi.js';
import type { User } from '../../db/entities/user.entity.js';
import type { ClientInfo } from '../audit/audit-log.js';
import type { AuthenticationMethod } from '../sessions/sessions.service.js';

/** Omit applied to each member of a union (TypeScript's Omit would merge the members first). */
type OmitFromEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A code from the app or a recovery code: the second step of a login's body without its `mfa_token`, as the
 * contract states it (`MfaLoginRequest`); the other bodies that carry a proof use the same two schemas.
 */
export type SecondFactorProof = OmitFromEach<components['schemas']['MfaLoginRequest'], 'mfa_token'>;

/** The proof of a body where both are optional (the contract allows one, never both), if it carries one. */
export function optionalProofOf(body: Pick<components['schemas']['ResetPasswordRequest'], 'code' | 'recovery_code'>): SecondFactorProof | undefined {
  if (body.code !== undefined) return { code: body.code };
  return body.recovery_code === undefined ? undefined : { recovery_code: body.recovery_code };
}

/**
 * What a password reset asks of the account's second factor: MfaService's check, handed to AccountMail in app.ts
 * as a function so neither service imports the other. Answers the new session's `amr`; throws `mfa_code_required`
 * when the account has a factor and no proof came, `invalid_mfa_code` when the proof is wrong.
 */
export type ResetSecondFactor = (user: User, proof: SecondFactorProof | undefined, client: ClientInfo) => Promise<AuthenticationMethod[]>;
