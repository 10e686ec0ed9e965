/**
 * A whole Q/GDW 1376.1 message: the frame layer (`frame.ts`) plus decoded data units (`data-units.ts`).
 * `decodeMessage` never throws; `encodeMessage` is its inverse for every message it can produce.
 */
import { catchDecode, type Result } from "../common/decode-error.ts";
import { type DataItem, type DataUnitGroup, decodeDataUnits, encodeDataUnits } from "./data-units.ts";
import { decodeFrame, encodeFrame, type Frame, type FrameInit } from "./frame.ts";
import { type Gw13761Profile, PROFILE_2013 } from "./profile.ts";

export interface Message extends Omit<Frame, "userData" | "userDataOffset"> {
  readonly groups: readonly DataUnitGroup[];
}

export type MessageInit = Omit<FrameInit, "userData"> & { readonly groups: readonly DataUnitGroup[] };

/** Decodes one frame and its data units. */
export function decodeMessage(bytes: Uint8Array, profile: Gw13761Profile = PROFILE_2013): Result<Message> {
  const frame = decodeFrame(bytes, profile);
  if (!frame.ok) return frame;
  return decodeFrameUnits(frame.value, profile);
}

/** Decodes the data units of an already-decoded frame. */
export function decodeFrameUnits(frame: Frame, profile: Gw13761Profile = PROFILE_2013): Result<Message> {
  return catchDecode(() => {
    const groups = decodeDataUnits(
      frame.afn,
      frame.control.dir,
      frame.userData,
      frame.userDataOffset,
      profile,
    );
    return messageOf(frame, groups);
  });
}

/** The frame's header fields (in the frame's key order) with the decoded groups instead of the raw bytes. */
function messageOf(frame: Frame, groups: readonly DataUnitGroup[]): Message {
  // Written out rather than `{ ...rest, groups }`: object rest/spread was a tenth of the cost of a short frame.
  const message: { -readonly [K in keyof Message]: Message[K] } = {
    pid: frame.pid,
    control: frame.control,
    address: frame.address,
    afn: frame.afn,
    seq: frame.seq,
  } as Message;
  if (frame.pw !== undefined) message.pw = frame.pw;
  if (frame.ec !== undefined) message.ec = frame.ec;
  if (frame.tp !== undefined) message.tp = frame.tp;
  message.groups = groups;
  return message;
}

/** Encodes a message. Throws RangeError naming the field for values that cannot be encoded. */
export function encodeMessage(message: MessageInit, profile: Gw13761Profile = PROFILE_2013): Uint8Array {
  const { groups, ...header } = message;
  const userData = encodeDataUnits(message.afn, message.control.dir, groups, profile);
  return encodeFrame({ ...header, userData }, profile);
}

/** The items of all groups in wire order. */
export function messageItems(message: Pick<Message, "groups">): DataItem[] {
  return message.groups.flatMap((g) => g.items);
}
