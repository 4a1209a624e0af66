import { generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../clock.js';

/** RFC 6238 as every authenticator app reads an `otpauth://` URI without parameters: SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_SECONDS = 30;

/**
 * Time-based one-time codes (otplib, pinned). The time comes from the injected clock, so tests move it instead of
 * waiting for the next step.
 */
export class Totp {
  constructor(private readonly clock: Clock) {}

  /** 160 random bits in base32 (RFC 4226 §4 recommends 160). */
  newSecret(): string {
    return generateSecret();
  }

  uri(secret: string, issuer: string, label: string): string {
    return generateURI({ secret, issuer, label });
  }

  /**
   * The step the code belongs to, or undefined. A code is accepted in the current step and one either side (a
   * phone's clock a little off, a code typed as it changed), and only in a step after `lastUsedStep`: each step's
   * code works once, and after a code of step N no code of N or earlier does.
   */
  async match(secret: string, code: string, lastUsedStep: number | null): Promise<number | undefined> {
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(this.clock.now() / 1000),
      epochTolerance: TOTP_PERIOD_SECONDS,
      ...(lastUsedStep === null ? {} : { afterTimeStep: lastUsedStep }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  }
}
