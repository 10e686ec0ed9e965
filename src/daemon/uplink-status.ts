/**
 * The uplink's state as the web interface and metrics show it: server mode is online while at least one
 * master is connected; client mode while the terminal is logged in.
 */

import type { MaintenancePort } from "../uplink/maintenance-port.ts";
import type { UplinkClient } from "../uplink/uplink-client.ts";
import type { UplinkServer } from "../uplink/uplink-server.ts";
import {
  type MaintenancePortStatus,
  noLiveTraffic,
  type UplinkLinkState,
  type UplinkStatus,
  type UplinkStatusSource,
} from "../web/providers.ts";

/** The configured maintenance port and its settings, as the status shows them. */
export interface MaintenanceView {
  readonly port: MaintenancePort;
  readonly path: string;
  readonly baudRate: number;
}

export function uplinkStatusSource(
  currentServer: () => UplinkServer | undefined,
  currentClient: () => UplinkClient | undefined,
  maintenance?: MaintenanceView,
): UplinkStatusSource {
  return {
    status(): UplinkStatus {
      // The modes can change at run time (AFN04 F8), so they are looked up at each call.
      const server = currentServer();
      const client = currentClient();
      const connect = client?.master;
      const sessions = server === undefined ? [] : [...server.sessions];
      const live = noLiveTraffic();
      for (const s of sessions) {
        live.bytesIn += s.counters.bytesIn;
        live.bytesOut += s.counters.bytesOut;
        live.framesIn += s.counters.framesIn;
        live.framesOut += s.counters.framesOut;
        live.decodeErrors += s.counters.decodeErrors;
        live.requestsDropped += s.counters.requestsDropped;
        live.outboundDropped += s.droppedOutbound;
      }
      let state: UplinkLinkState = "offline";
      if (client?.state === "online" || sessions.length > 0) state = "online";
      else if (client?.state === "connecting" || client?.state === "logging-in") state = client.state;
      const mode =
        server !== undefined && client !== undefined
          ? "server+client"
          : server !== undefined
            ? "server"
            : "client";
      return {
        mode,
        state,
        sessions: sessions.length,
        ...(server === undefined ? {} : { listen: { host: server.host, port: server.port } }),
        ...(connect === undefined ? {} : { connect }),
        live,
        ...(maintenance === undefined ? {} : { maintenance: maintenanceStatus(maintenance) }),
      };
    },
  };
}

function maintenanceStatus(view: MaintenanceView): MaintenancePortStatus {
  const session = view.port.session;
  return {
    path: view.path,
    baudRate: view.baudRate,
    open: session !== undefined,
    framesIn: session?.counters.framesIn ?? 0,
    framesOut: session?.counters.framesOut ?? 0,
  };
}
