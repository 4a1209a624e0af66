import { generate } from 'otplib';
import type { Clock } from '../../server/clock.js';

/** A server clock the test moves: TOTP steps pass without waiting. Starts at the beginning of a 30-second step. */
export interface MovableClock extends Clock {
  advance(seconds: number): void;
}

export function movableClock(start = Math.floor(Date.now() / 30_000) * 30_000): MovableClock {
  let now = start;
  return { now: () => now, advance: (seconds) => (now += seconds * 1000) };
}

/** The code an authenticator app with this secret shows at the clock's time (RFC 6238, computed by otplib). */
export function codeAt(secret: string, clock: Clock, offsetSeconds = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now() / 1000) + offsetSeconds });
}
