/**
 * Texts read straight from wire bytes (hex, BCD digit strings, timestamps) as templates that are compiled once
 * into one `String.fromCharCode(…)` call: the string is allocated once instead of once per joined piece
 * (generated.ts says why that matters). A template is a list of pieces: literal text, or one nibble of one
 * byte shown as a hex digit (for a BCD byte already checked to hold digits, that is the decimal digit).
 * Callers validate the bytes first; a template only spells them.
 */
import { byteHex, toHexRange } from "../common/hex.ts";
import { generated } from "./generated.ts";

export type TextPiece =
  | { readonly literal: string }
  /** Nibble of byte `at + byte` (after ANDing `mask`, default 0xff): the high or the low one. */
  | { readonly byte: number; readonly high: boolean; readonly mask?: number };

/** Spells the template from the bytes at `bytes[at …]` (the caller checked that they are there). */
export type TextReader = (bytes: Uint8Array, at: number) => string;

/** Longest text spelled by one generated call; longer ones (rare: BS1024, long opaque fields) are joined. */
const MAX_GENERATED_CHARS = 64;

const HEX_CODES = Uint8Array.from("0123456789ABCDEF", (c) => c.charCodeAt(0));

/** Compiles `pieces` into a reader. */
export function textTemplate(pieces: readonly TextPiece[]): TextReader {
  const variables = new Map<string, string>(); // "byte,mask" → variable holding the masked byte
  const declarations: string[] = [];
  const codes: string[] = [];
  for (const piece of pieces) {
    if ("literal" in piece) {
      for (let i = 0; i < piece.literal.length; i++) codes.push(String(piece.literal.charCodeAt(i)));
      continue;
    }
    const byte = integerIn(piece.byte, 0, 0xffff, "byte");
    const mask = integerIn(piece.mask ?? 0xff, 0, 0xff, "mask");
    const key = `${byte},${mask}`;
    let variable = variables.get(key);
    if (variable === undefined) {
      variable = `x${variables.size}`;
      variables.set(key, variable);
      declarations.push(`const ${variable} = b[at + ${byte}]${mask === 0xff ? "" : ` & ${mask}`};`);
    }
    codes.push(piece.high ? `H[${variable} >> 4]` : `H[${variable} & 15]`);
  }
  if (codes.length > MAX_GENERATED_CHARS) return joinedTemplate(pieces);
  const body = `return function spell(b, at) {\n${declarations.join("\n")}\nreturn String.fromCharCode(${codes.join(", ")});\n};`;
  return generated<TextReader>(["H"], body, [HEX_CODES]);
}

/** The same text joined piece by piece, for templates too long for one call. */
function joinedTemplate(pieces: readonly TextPiece[]): TextReader {
  return (bytes, at) => {
    let text = "";
    for (const piece of pieces) {
      if ("literal" in piece) {
        text += piece.literal;
        continue;
      }
      const value = (bytes[at + piece.byte] as number) & (piece.mask ?? 0xff);
      text += String.fromCharCode(HEX_CODES[piece.high ? value >> 4 : value & 15] as number);
    }
    return text;
  };
}

function integerIn(n: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`text template: ${what} ${n}`);
  return n;
}

/** Both nibbles of byte `byte`, high first. */
function bytePieces(byte: number): TextPiece[] {
  return [
    { byte, high: true },
    { byte, high: false },
  ];
}

const hexReaders = new Map<string, TextReader>();

/** Upper-case hex of `n` bytes, first byte first, joined by `separator` (as `toHex`). */
export function hexText(n: number, separator: string): TextReader {
  const key = `${n}|${separator}`;
  let reader = hexReaders.get(key);
  if (reader === undefined) {
    if (n * (2 + separator.length) > MAX_GENERATED_CHARS) {
      reader = (bytes, at) => toHexRange(bytes, at, at + n, separator);
    } else {
      const pieces: TextPiece[] = [];
      for (let i = 0; i < n; i++) {
        if (i > 0 && separator !== "") pieces.push({ literal: separator });
        pieces.push(...bytePieces(i));
      }
      reader = textTemplate(pieces);
    }
    hexReaders.set(key, reader);
  }
  return reader;
}

const lastFirstReaders = new Map<number, TextReader>();

/**
 * The `n` bytes' nibbles as one digit string, LAST byte first and no separator: BCD digit strings stored least
 * significant pair first, and bit strings shown most significant byte first.
 */
export function lastByteFirstText(n: number): TextReader {
  let reader = lastFirstReaders.get(n);
  if (reader === undefined) {
    if (2 * n > MAX_GENERATED_CHARS) {
      reader = (bytes, at) => {
        let text = "";
        for (let i = at + n - 1; i >= at; i--) text += byteHex(bytes[i] as number);
        return text;
      };
    } else {
      const pieces: TextPiece[] = [];
      for (let i = n - 1; i >= 0; i--) pieces.push(...bytePieces(i));
      reader = textTemplate(pieces);
    }
    lastFirstReaders.set(n, reader);
  }
  return reader;
}
