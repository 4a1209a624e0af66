/**
 * The time, passed in rather than read from `Date.now()` inside services, so tests move it (`testClock` in
 * tests/helpers) instead of waiting for a token or a window to run out. Epoch milliseconds.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
