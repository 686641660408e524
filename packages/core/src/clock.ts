/**
 * Time as a dependency. Everything that reads the time takes a Clock through its `deps`, so a test
 * can move time forward instead of waiting for it (testkit's FakeClock).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
