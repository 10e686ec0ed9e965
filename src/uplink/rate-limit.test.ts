import assert from "node:assert/strict";
import { it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { InputRateLimiter, TokenBucket, worthLogging } from "./rate-limit.ts";

it("a token bucket allows a burst, then the sustained rate", () => {
  const clock = new ManualClock(1000);
  const bucket = new TokenBucket(5, 10, clock);
  for (let i = 0; i < 5; i++) assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  clock.advance(99);
  assert.equal(bucket.take(), false, "0.99 tokens");
  clock.advance(1);
  assert.equal(bucket.take(), true, "one token per 100 ms");
  assert.equal(bucket.take(), false);
  clock.advance(60_000);
  assert.equal(bucket.tokens, 5, "never above the capacity");
});

it("charge goes into debt for a large chunk and refuses until the debt is repaid", () => {
  const clock = new ManualClock(0);
  const bucket = new TokenBucket(100, 100, clock);
  assert.equal(bucket.charge(250), true, "bucket not empty: accepted in full");
  assert.equal(bucket.tokens, -150);
  assert.equal(bucket.charge(1), false);
  clock.advance(1500);
  assert.equal(bucket.charge(1), false, "exactly empty is still refused");
  clock.advance(10);
  assert.equal(bucket.charge(1), true);
});

it("a clock set backwards neither adds tokens nor freezes the bucket", () => {
  const clock = new ManualClock(10_000);
  const bucket = new TokenBucket(1, 1, clock);
  assert.equal(bucket.take(), true);
  clock.set(0);
  assert.equal(bucket.take(), false);
  clock.advance(1000);
  assert.equal(bucket.take(), true);
});

it("the per-connection limiter keeps bytes and requests apart", () => {
  const clock = new ManualClock(0);
  const limiter = new InputRateLimiter(
    { bytesPerSecond: 10, burstBytes: 10, requestsPerSecond: 1, burstRequests: 2 },
    clock,
  );
  assert.equal(limiter.acceptRequest(), true);
  assert.equal(limiter.acceptRequest(), true);
  assert.equal(limiter.acceptRequest(), false);
  assert.equal(limiter.acceptBytes(1000), true);
  assert.equal(limiter.acceptBytes(1), false);
  clock.advance(1000);
  assert.equal(limiter.acceptRequest(), true);
});

it("logs a repeated drop at 1, 10, 100, …", () => {
  const logged = Array.from({ length: 2000 }, (_, i) => i).filter(worthLogging);
  assert.deepEqual(logged, [1, 10, 100, 1000]);
});
