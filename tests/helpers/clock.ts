import type { Clock } from '../../server/clock.js';

/** A server's clock that runs with real time and that a test moves forward instead of sleeping. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}
