/**
 * A terminal UTC offset that puts the terminal's local time near noon now. Tests that run the reading engine
 * on the real clock use it: a daily collection waits from local midnight until 00:05 (meters freeze at their
 * own midnight) and re-reads stop at the cut-off, so a test that happened to run at 23:58 or 00:02 terminal
 * time would wait for the day to turn. At noon, a test has hours either side.
 */
export function daytimeOffsetMinutes(now = Date.now()): number {
  const utcMinute = Math.floor(now / 60_000) % 1440;
  // Whole hours, in [-720, 720): local = UTC + offset ≈ 12:00.
  const offset = Math.round((12 * 60 - utcMinute) / 60) * 60;
  return ((offset + 720 + 1440) % 1440) - 720;
}
