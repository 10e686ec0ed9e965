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
    const { userData: _u, userDataOffset: _o, ...header } = frame;
    return { ...header, groups };
  });
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
