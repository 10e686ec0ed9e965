/**
 * Event verbs of `opendcu master` (shared/protocol/gw1376-1.md §3.5, §3.6):
 *
 *   events [--important | --normal] [--from P --to P]   AFN0E F1/F2 by pointer; without a range the whole
 *                                                        ring, oldest first
 *   watch [--listen HOST:PORT] [--allow]                 print active reports as they arrive, confirming each
 *                                                        one that asks for it; --listen accepts DCUs in client
 *                                                        mode (answering their login and heartbeats) instead
 *                                                        of dialling --connect; --allow sends AFN05 F29 first
 *
 * Both take the master's global flags (--connect, --area, --address, --msa, --timeout, --json). `watch` runs
 * until SIGINT/SIGTERM (exit 0) or, when it dialled, until the DCU closes the link (exit 1).
 */
import type { Command } from "commander";
import { z } from "zod";
import { OpenDcuError } from "../../common/errors.ts";
import { parseEndpoint } from "../../daemon/config.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findErcRow } from "../../protocol/gw1376-1/erc.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import {
  type ActiveReport,
  connectToDcu,
  type EventLog,
  type EventsRead,
  listenForDcus,
  type MasterStation,
} from "../../sim/master/master-station.ts";
import { parseOptions } from "../options.ts";
import { connectFromOptions, masterGlobalSchema } from "./master.ts";

const pointer = z.coerce.number().int().min(0, "must be 0..255").max(255, "must be 0..255");

const eventsSchema = z
  .object({
    important: z.boolean().default(false),
    normal: z.boolean().default(false),
    from: pointer.optional(),
    to: pointer.optional(),
  })
  .refine((o) => !(o.important && o.normal), {
    message: "choose one of --important / --normal",
    path: ["normal"],
  })
  .refine((o) => (o.from === undefined) === (o.to === undefined), {
    message: "give --from and --to together",
    path: ["to"],
  });

/** Built on first use: master.ts and this file import each other, so nothing runs at module load. */
function watchSchemaOf() {
  return masterGlobalSchema.extend({
    connect: z.string().optional(),
    listen: z.string().optional(),
    allow: z.boolean().default(false),
  });
}
type WatchOptions = z.output<ReturnType<typeof watchSchemaOf>>;

/** One record as a line: `ERC21 terminal fault  time=… faultCode=2`. */
function recordLine(record: Record_): string {
  const erc = typeof record.erc === "number" ? record.erc : -1;
  const name = findErcRow(erc)?.name ?? "unknown event";
  const data = record.data as Record_ | undefined;
  const body =
    data === undefined
      ? `raw=${String(record.raw ?? "")}`
      : Object.entries(data)
          .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
          .join(" ");
  return `ERC${erc} ${name}  ${body}`;
}

function eventsText(log: EventLog, read: EventsRead): string {
  const head = `${log} events  EC1=${read.ec1} EC2=${read.ec2}  P${read.pm}..P${read.pn}: ${read.records.length} record(s)`;
  return [head, ...read.records.map((r) => `  ${recordLine(r)}`)].join("\n");
}

function itemText(afn: number, item: DataItem): string {
  const records = (item.data as { records?: unknown }).records;
  if (afn === 0x0e && Array.isArray(records)) {
    const d = item.data as { ec1?: unknown; ec2?: unknown; pm?: unknown; pn?: unknown };
    const head = `event report EC1=${String(d.ec1)} EC2=${String(d.ec2)} P${String(d.pm)}..P${String(d.pn)}`;
    return [head, ...(records as Record_[]).map((r) => `  ${recordLine(r)}`)].join("\n");
  }
  return `AFN${afn.toString(16).padStart(2, "0").toUpperCase()} p${item.pn} F${item.fn} ${JSON.stringify(item.data)}`;
}

function printReport(report: ActiveReport, json: boolean, from: string): void {
  if (json) {
    const line = {
      type: "report",
      from,
      afn: report.afn,
      confirmed: report.confirmRequested,
      items: report.items,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return;
  }
  for (const item of report.items) process.stdout.write(`${from}  ${itemText(report.afn, item)}\n`);
}

/** Resolves on SIGINT / SIGTERM (the listeners are removed again). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

async function watchListening(o: WatchOptions, listen: string): Promise<void> {
  const at = parseEndpoint(listen, "--listen");
  const stations = new Set<MasterStation>();
  const listener = await listenForDcus(
    at.host,
    at.port,
    (station) => {
      stations.add(station);
      const from = () => {
        const t = station.terminal;
        return t === undefined ? station.stream.label : `${t.area}/${t.terminal}`;
      };
      station.onLink((event) => {
        if (o.json)
          process.stdout.write(`${JSON.stringify({ type: "link", kind: event.kind, from: from() })}\n`);
        else process.stdout.write(`${from()}  ${event.kind}\n`);
      });
      station.onReport((report) => printReport(report, o.json, from()));
      void station.stream.closed.then(() => stations.delete(station));
    },
    { msa: o.msa, timeoutMs: o.timeout, utcOffsetMinutes: o.utcOffset },
  );
  if (o.json)
    process.stdout.write(`${JSON.stringify({ type: "listening", host: at.host, port: listener.port })}\n`);
  else process.stdout.write(`listening for DCUs on ${at.host}:${listener.port}\n`);
  await untilSignal();
  for (const station of stations) await station.close();
  await listener.close();
}

async function watchConnected(o: WatchOptions, connect: string): Promise<void> {
  const at = parseEndpoint(connect, "--connect");
  const station = await connectToDcu(at.host, at.port, {
    area: o.area,
    terminal: o.address,
    msa: o.msa,
    timeoutMs: o.timeout,
    utcOffsetMinutes: o.utcOffset,
  });
  station.onReport((report) => printReport(report, o.json, `${o.area}/${o.address}`));
  if (o.allow) {
    const reply = await station.request(0x05, [{ pn: 0, fn: 29 }]);
    if (reply.denied) {
      await station.close();
      throw new OpenDcuError("cli.invalid-argument", "--allow: the DCU denied AFN05 F29");
    }
  }
  const closedByDcu = station.stream.closed.then(() => true);
  const stopped = await Promise.race([untilSignal().then(() => false), closedByDcu]);
  await station.close();
  if (stopped) process.exitCode = 1;
}

export function registerMasterEvents(master: Command): void {
  master
    .command("events")
    .description("read the event log (AFN0E F1 important / F2 normal) by pointer; default: the whole ring")
    .option("--important", "important events (AFN0E F1, the default)", false)
    .option("--normal", "normal events (AFN0E F2)", false)
    .option("--from <p>", "start pointer Pm (inclusive)")
    .option("--to <p>", "end pointer Pn (exclusive; Pm = Pn reads a whole lap)")
    .action(async (opts: unknown, command: Command) => {
      const e = parseOptions(eventsSchema, opts);
      const o = parseOptions(masterGlobalSchema, command.optsWithGlobals());
      const log: EventLog = e.normal ? "general" : "important";
      const station = await connectFromOptions(o);
      try {
        const range = e.from === undefined || e.to === undefined ? undefined : { from: e.from, to: e.to };
        const read = await station.readEvents(log, range);
        if (read === undefined) {
          process.stdout.write(o.json ? `${JSON.stringify({ denied: true })}\n` : "denied (AFN00 F2)\n");
          process.exitCode = 1;
          return;
        }
        process.stdout.write(o.json ? `${JSON.stringify({ log, ...read })}\n` : `${eventsText(log, read)}\n`);
      } finally {
        await station.close();
      }
    });

  master
    .command("watch")
    .description(
      "print active reports as they arrive (confirming them); --listen accepts DCUs in client mode",
    )
    .option("--listen <host:port>", "listen for DCUs in client mode instead of dialling --connect")
    .option("--allow", "send AFN05 F29 (allow active reporting) first (with --connect)", false)
    .action(async (_opts: unknown, command: Command) => {
      const o = parseOptions(watchSchemaOf(), command.optsWithGlobals());
      if (o.listen !== undefined) await watchListening(o, o.listen);
      else if (o.connect !== undefined) await watchConnected(o, o.connect);
      else
        throw new OpenDcuError(
          "cli.invalid-argument",
          "--connect HOST:PORT or --listen HOST:PORT is required",
        );
    });
}
