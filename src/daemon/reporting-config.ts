/** Start-up settings of active reporting (daemon/reporting.ts); the `reporting` section of the config file. */
import { z } from "zod";
import { DEFAULT_OUTBOX_MAX } from "../store/outbox-repo.ts";

export const REPORTING_CONFIG_SCHEMA = z.object({
  /**
   * Whether active reports go out before the master ever sent AFN05 F29 (allow) or F37 (forbid). Off: the
   * reference gives no factory value, and a master that wants reports enables them with F29. [L]
   */
  allowedByDefault: z.boolean().default(false),
  /** Cap of the durable outbox (reports waiting for a confirm); beyond it the oldest are dropped, counted. */
  outboxMax: z.number().int().min(1).max(100_000).default(DEFAULT_OUTBOX_MAX),
  /** Wait before trying again after a report went unconfirmed through all its resends. */
  retryPauseMs: z.number().int().min(10).max(86_400_000).default(60_000),
});

export const REPORTING_DEFAULTS = {
  allowedByDefault: false,
  outboxMax: DEFAULT_OUTBOX_MAX,
  retryPauseMs: 60_000,
} as const;
