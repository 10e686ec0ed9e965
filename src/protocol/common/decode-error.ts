/**
 * Protocol decode failures are values, never exceptions (architecture: "codecs are pure and total").
 * A `DecodeError` names what was wrong (`code`), which field, and the byte offset inside the buffer that
 * was handed to the top-level decode call.
 */
export type DecodeErrorCode =
  | "truncated"
  | "checksum"
  | "bad-length"
  | "bad-start"
  | "bad-end"
  | "bad-protocol"
  | "unknown-fn"
  | "unknown-afn"
  | "bad-value"
  | "trailing-bytes"
  | "too-long";

export interface DecodeError {
  readonly kind: "decode-error";
  readonly code: DecodeErrorCode;
  /** Dotted path of the field being read, e.g. `units[0].data.meters[3].address`. */
  readonly field: string;
  /** Byte offset in the buffer given to the top-level decoder. */
  readonly offset: number;
  readonly expected?: string | number;
  readonly actual?: string | number;
  /** Human-readable one-line summary, derived from the fields above. */
  readonly message: string;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DecodeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: DecodeError): Result<T> {
  return { ok: false, error };
}

export interface DecodeErrorInit {
  code: DecodeErrorCode;
  field: string;
  offset: number;
  expected?: string | number;
  actual?: string | number;
}

export function decodeError(init: DecodeErrorInit): DecodeError {
  let message = `${init.code} at ${init.field} (offset ${init.offset})`;
  if (init.expected !== undefined || init.actual !== undefined) {
    message += `: expected ${init.expected ?? "?"}, got ${init.actual ?? "?"}`;
  }
  const error: { -readonly [K in keyof DecodeError]: DecodeError[K] } = {
    kind: "decode-error",
    code: init.code,
    field: init.field,
    offset: init.offset,
    message,
  };
  if (init.expected !== undefined) error.expected = init.expected;
  if (init.actual !== undefined) error.actual = init.actual;
  return error;
}

/**
 * Private sentinel thrown by `ByteReader` and field decoders so that deep field readers stay short; it must
 * never escape a public decode function: wrap the body in `catchDecode`.
 */
export class DecodeFailure extends Error {
  readonly error: DecodeError;
  constructor(error: DecodeError) {
    super(error.message);
    this.error = error;
  }
}

/** Throws the private sentinel; only for use inside code run by `catchDecode`. */
export function raise(init: DecodeErrorInit): never {
  throw new DecodeFailure(decodeError(init));
}

/** Runs a decoder that may throw `DecodeFailure` and converts the sentinel into a `Result`. */
export function catchDecode<T>(run: () => T): Result<T> {
  try {
    return ok(run());
  } catch (caught) {
    if (caught instanceof DecodeFailure) return fail(caught.error);
    throw caught;
  }
}

export function isDecodeError(value: unknown): value is DecodeError {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "decode-error";
}
