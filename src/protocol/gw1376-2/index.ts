export * from "./fields.ts";
export * from "./fn-table.ts";
export * from "./frame.ts";
export * from "./message.ts";
export * from "./splitter.ts";
