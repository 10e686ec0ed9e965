/**
 * Reconnect delays for client mode: exponential back-off with "equal jitter" (half fixed, half random), so a
 * fleet of terminals that lost the master at the same moment does not redial in lock-step.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Delay before reconnect attempt `attempt` (0 = first retry). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
