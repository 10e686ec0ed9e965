/**
 * Operational errors (the second error family; protocol problems are `DecodeError` values). Thrown and
 * caught at module boundaries; callers branch on `code`, never on `message`.
 */
export type OpenDcuErrorCode =
  | "config.invalid"
  | "cli.invalid-argument"
  | "serial.open-failed"
  | "transport.closed"
  | "store.corrupt"
  | "store.invalid"
  | "timeout"
  | "internal";

export class OpenDcuError extends Error {
  readonly code: OpenDcuErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: OpenDcuErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "OpenDcuError";
    this.code = code;
    this.context = context;
  }
}
