/**
 * Prometheus metrics (text exposition format 0.0.4) at /metrics: what the daemon knows now — uplink, traffic,
 * events, the meter archive, reading state, self-check faults — plus channel figures when the channels
 * provider is plugged in. Values are read at scrape time; nothing is accumulated here.
 */
import type { WebContext } from "./context.ts";

type Labels = Readonly<Record<string, string | number>>;

interface Sample {
  readonly labels?: Labels;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly samples: readonly Sample[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatLabels(labels: Labels | undefined): string {
  if (labels === undefined) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export function renderMetrics(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples)
      lines.push(`${f.name}${formatLabels(s.labels)} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  return `${lines.join("\n")}\n`;
}

const gauge = (name: string, help: string, samples: readonly Sample[]): Family => ({
  name,
  help,
  type: "gauge",
  samples,
});
const counter = (name: string, help: string, samples: readonly Sample[]): Family => ({
  name,
  help,
  type: "counter",
  samples,
});

export function collectMetrics(ctx: WebContext): Family[] {
  const { store } = ctx.core;
  ctx.providers.traffic?.flush();
  const uplink = ctx.uplink.status();
  const events = store.events.counters();
  const today = store.traffic.today();
  const month = store.traffic.thisMonth();
  const states = store.readingState.all();
  const dayAgo = ctx.core.clock.now() - 86_400_000;
  const faults = ctx.alarms.activeFaults();
  const families: Family[] = [
    gauge("opendcu_uptime_seconds", "Seconds since the daemon started.", [
      { value: Math.floor((ctx.hostClock.now() - ctx.startedAt) / 1000) },
    ]),
    gauge("opendcu_uplink_online", "1 when a master is connected (server) or logged in (client).", [
      { value: uplink.state === "online" ? 1 : 0 },
    ]),
    gauge("opendcu_uplink_sessions", "Master connections open now.", [{ value: uplink.sessions }]),
    gauge("opendcu_uplink_live_bytes", "Bytes on the uplink connections open now.", [
      { labels: { direction: "in" }, value: uplink.live.bytesIn },
      { labels: { direction: "out" }, value: uplink.live.bytesOut },
    ]),
    gauge(
      "opendcu_uplink_live_dropped",
      "Frames dropped on the open connections (queues full, decode errors).",
      [
        { labels: { reason: "decode-error" }, value: uplink.live.decodeErrors },
        { labels: { reason: "requests-queue-full" }, value: uplink.live.requestsDropped },
        { labels: { reason: "outbound-queue-full" }, value: uplink.live.outboundDropped },
      ],
    ),
    gauge("opendcu_traffic_bytes", "Bytes exchanged with the master (AFN0C F10), by period and direction.", [
      { labels: { period: "day", direction: "up" }, value: today.upBytes },
      { labels: { period: "day", direction: "down" }, value: today.downBytes },
      { labels: { period: "month", direction: "up" }, value: month.upBytes },
      { labels: { period: "month", direction: "down" }, value: month.downBytes },
    ]),
    counter("opendcu_events_recorded_total", "Terminal events (ERC) recorded, by ring.", [
      { labels: { ring: "important" }, value: events.importantTotal },
      { labels: { ring: "general" }, value: events.generalTotal },
    ]),
    gauge("opendcu_meter_events_stored", "Events read from meters, kept in the store.", [
      { value: store.meterEvents.count() },
    ]),
    gauge("opendcu_alarms_unacknowledged", "Alarm events not yet acknowledged.", [
      { value: ctx.alarms.unacknowledged().length },
    ]),
    gauge("opendcu_selfcheck_faults", "Active self-check faults (ERC21 codes).", [{ value: faults.length }]),
    gauge("opendcu_meters_configured", "Meters in the archive (AFN04 F10).", [
      { value: store.meters.count() },
    ]),
    counter("opendcu_meter_read_failures_total", "Failed meter reads recorded in the reading state.", [
      { value: states.reduce((sum, s) => sum + s.totalFailures, 0) },
    ]),
    gauge("opendcu_meters_failing", "Meters whose last read failed.", [
      { value: states.filter((s) => s.consecutiveFailures > 0).length },
    ]),
    gauge("opendcu_meters_read_recently", "Meters with a successful read in the last 24 hours.", [
      { value: states.filter((s) => s.lastSuccessAt !== null && s.lastSuccessAt >= dayAgo).length },
    ]),
    gauge("opendcu_supplementary_queue_depth", "Frozen data still to fetch by supplementary reading.", [
      { value: store.readingState.needCount() },
    ]),
    gauge("opendcu_web_sessions", "Logged-in web sessions.", [{ value: ctx.sessions.size }]),
  ];
  const channels = ctx.providers.channels?.channels();
  if (channels !== undefined) {
    families.push(
      gauge(
        "opendcu_channel_utilisation_ratio",
        "Share of the last minute each channel was busy.",
        channels.map((ch) => ({ labels: { channel: ch.channel, kind: ch.kind }, value: ch.utilisation })),
      ),
      gauge(
        "opendcu_channel_queue_depth",
        "Read requests waiting per channel.",
        channels.map((ch) => ({ labels: { channel: ch.channel, kind: ch.kind }, value: ch.queueDepth })),
      ),
      counter(
        "opendcu_channel_reads_total",
        "Meter reads per channel.",
        channels.map((ch) => ({ labels: { channel: ch.channel, kind: ch.kind }, value: ch.reads })),
      ),
      counter(
        "opendcu_channel_failures_total",
        "Failed meter reads per channel.",
        channels.map((ch) => ({ labels: { channel: ch.channel, kind: ch.kind }, value: ch.failures })),
      ),
    );
  }
  const modem = ctx.providers.modules?.modem();
  if (modem?.signalDbm !== undefined) {
    families.push(
      gauge("opendcu_modem_signal_dbm", "Cellular signal strength (AT+CSQ).", [{ value: modem.signalDbm }]),
    );
  }
  if (modem?.signalPercent !== undefined) {
    families.push(
      gauge("opendcu_modem_signal_percent", "Cellular signal quality as ModemManager reports it (0-100).", [
        { value: modem.signalPercent },
      ]),
    );
  }
  return families;
}
