export * from "./bcd.ts";
export * from "./byte-reader.ts";
export * from "./byte-writer.ts";
export * from "./checksum.ts";
export * from "./decode-error.ts";
export * from "./hex.ts";
