import type { Clock } from '../../server/clock.js';

/** A server's clock (epoch milliseconds) that a test moves forward instead of sleeping. The one test clock. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export interface TestClockOptions {
  /**
   * Stand still at this instant until the test moves the clock: for checks at an exact moment (a TOTP step, a
   * token's exp). Without it the clock runs with real time plus what the test added, for a server whose timers
   * (mail retries, sessions) also meet real time.
   */
  frozenAt?: number;
}

export function testClock(options: TestClockOptions = {}): TestClock {
  const { frozenAt } = options;
  let offset = 0;
  return {
    now: () => (frozenAt ?? Date.now()) + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}
