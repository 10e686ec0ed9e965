export * from "./data.ts";
export * from "./detector.ts";
export * from "./di-table.ts";
export * from "./formats.ts";
export * from "./frame.ts";
export * from "./functions.ts";
export * from "./message.ts";
export * from "./splitter.ts";
