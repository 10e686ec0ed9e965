/**
 * AFN0F file transfer (shared/protocol/gw1376-1.md §4.9): F1 segments go to the FileReceiver; the answer is
 * AFN0F F1 with the stored segment's index, or `FF FF FF FF` for a segment that was not stored. A malformed
 * data unit gets the same refusal, so the master always hears which segment failed.
 */
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { type FileReceiver, SEGMENT_REFUSED, segmentFromItem } from "../file-receiver.ts";
import type { AfnRegistration } from "./handler.ts";

export function afn0fRegistration(receiver: FileReceiver): AfnRegistration {
  return {
    fns: [1],
    handle: ({ items }) => {
      const answers: DataItem[] = [];
      for (const item of items) {
        if (item.fn !== 1 || item.pn !== 0) continue;
        const segment = segmentFromItem(item.data);
        const index = segment === undefined ? SEGMENT_REFUSED : receiver.receive(segment);
        answers.push({ pn: 0, fn: 1, data: { segmentIndex: index } });
      }
      return { kind: "data", items: answers };
    },
  };
}
