import { generate } from 'otplib';
import type { Clock } from '../../server/clock.js';

/** RFC 6238's time step, the one the server uses. */
export const TOTP_STEP_MS = 30_000;

/**
 * The start of the TOTP step under way: a clock frozen there (`testClock({ frozenAt: startOfTotpStep() })`) shows
 * one code until the test moves it a step on, however slow the machine.
 */
export function startOfTotpStep(now = Date.now()): number {
  return Math.floor(now / TOTP_STEP_MS) * TOTP_STEP_MS;
}

/** The code an authenticator app with this secret shows at the clock's time (RFC 6238, computed by otplib). */
export function codeAt(secret: string, clock: Clock, offsetSeconds = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now() / 1000) + offsetSeconds });
}
