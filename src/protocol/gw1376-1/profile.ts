/**
 * Profile switches for the known variants of Q/GDW 1376.1 in the field (shared/protocol/gw1376-1.md §0, §6.3,
 * §8). Decoding is tolerant by default (accept what real devices send); encoding always emits the standard form.
 */
export interface Gw13761Profile {
  /** Accept frames whose protocol identifier is 1 (Q/GDW 130-2005 era / X16 tool) as well as 2. [H: reject by default] */
  readonly acceptPid1: boolean;
  /** Accept the quirks of §6.3 (stray bytes after AFN00 F1, F1+F2 DT with an F3 body). */
  readonly acceptQuirks: boolean;
  /** Put the terminal clock (A.1) in AFN02 F3 heartbeats (2013 style). Decoding accepts both. [M-H] */
  readonly heartbeatClock: boolean;
  /** AFN0F F1 segment payload bytes travel reversed (2013 profile per two sources). [M] */
  readonly fileSegmentReversed: boolean;
  /** Le of the ERC14 records this terminal emits: 10 (2013 text) or 11 (2014 notice). Decoding goes by Le. */
  readonly erc14Length: 10 | 11;
  /** Downlink AFNs whose frames carry a 16-byte PW. [M-H] §2.4 decision: 01, 04, 05, 06, 0F, 10. */
  readonly pwAfns: readonly number[];
  /** Largest frame this side generates (bytes, whole frame); longer answers are split into several frames. [M] */
  readonly maxFrameBytes: number;
}

export const PROFILE_2013: Gw13761Profile = Object.freeze({
  acceptPid1: false,
  acceptQuirks: true,
  heartbeatClock: true,
  fileSegmentReversed: true,
  erc14Length: 10,
  pwAfns: Object.freeze([0x01, 0x04, 0x05, 0x06, 0x0f, 0x10]),
  maxFrameBytes: 2048,
});

/** 2009-era masters: empty heartbeat, file segments in natural order. */
export const PROFILE_2009: Gw13761Profile = Object.freeze({
  ...PROFILE_2013,
  heartbeatClock: false,
  fileSegmentReversed: false,
});

/** Accepts everything seen in the wild, including PID 1; for decoding captures, not for a live terminal. */
export const PROFILE_TOLERANT: Gw13761Profile = Object.freeze({ ...PROFILE_2013, acceptPid1: true });

/** Rejects every quirk; for conformance checks of a master's frames. */
export const PROFILE_STRICT: Gw13761Profile = Object.freeze({ ...PROFILE_2013, acceptQuirks: false });

export const PROFILES: Readonly<Record<string, Gw13761Profile>> = Object.freeze({
  "2013": PROFILE_2013,
  "2009": PROFILE_2009,
  tolerant: PROFILE_TOLERANT,
  strict: PROFILE_STRICT,
});
