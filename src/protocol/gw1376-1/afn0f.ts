import type { FnRow } from "./layout.ts";

/**
 * AFN0F file transfer (shared/protocol/gw1376-1.md §4.9 [H layout: NUC, CRZ, JB]). The segment bytes are
 * carried as they are on the wire: the 2013 profile's byte reversal belongs to the frame/profile layer.
 */
export const AFN0F_ROWS: readonly FnRow[] = [
  {
    afn: 0x0f,
    fn: 1,
    name: "file transfer segment",
    pn: "p0",
    down: [
      // 0 = abort/clear the download and roll back; 1.. = file type
      { name: "fileId", type: "bin", bytes: 1 },
      // 0 = start/middle segment, 1 = last segment
      { name: "attribute", type: "bin", bytes: 1 },
      // 0 = download by message, 1 = via FTP, 2 = start group-address upgrade
      { name: "instruction", type: "bin", bytes: 1 },
      { name: "segmentCount", type: "bin", bytes: 2 },
      { name: "segmentIndex", type: "bin", bytes: 4 },
      { name: "data", type: "lengthPrefixed", lengthBytes: 2 },
    ],
    // the segment index just stored; FF FF FF FF = error
    up: [{ name: "segmentIndex", type: "bin", bytes: 4 }],
  },
];
