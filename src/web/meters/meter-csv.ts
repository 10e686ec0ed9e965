/**
 * The meter archive as CSV, for import and export: one header line naming the columns (any order; the
 * METER_SCHEMA field names), then one meter per line. Required columns: serial, point, port, protocol,
 * address; the others take METER_SCHEMA's defaults. Every problem names its line and column.
 */
import { METER_SCHEMA, type MeterForm } from "./meter-form.ts";

export const CSV_COLUMNS = [
  "serial",
  "point",
  "port",
  "baud",
  "protocol",
  "address",
  "password",
  "tariffs",
  "integerDigits",
  "decimalDigits",
  "collector",
  "bigClass",
  "smallClass",
] as const;

const REQUIRED = ["serial", "point", "port", "protocol", "address"] as const;
/** Columns holding digit strings (kept as text: leading zeros matter). */
const TEXT_COLUMNS = new Set(["address", "password", "collector"]);
export const MAX_CSV_ROWS = 2040;

export class CsvProblem extends Error {
  readonly line: number;
  readonly column: string | undefined;
  constructor(line: number, column: string | undefined, message: string) {
    super(`line ${line}${column === undefined ? "" : `, ${column}`}: ${message}`);
    this.line = line;
    this.column = column;
  }
}

/** Splits one CSV line; double quotes may wrap a cell ("" inside is a quote). */
function cells(line: string, lineNo: number): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      out.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  if (quoted) throw new CsvProblem(lineNo, undefined, "unterminated quote");
  out.push(cell.trim());
  return out;
}

export function parseMeterCsv(text: string): MeterForm[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== "");
  if (headerIndex < 0) throw new CsvProblem(1, undefined, "empty file: expected a header line");
  const header = cells(lines[headerIndex] as string, headerIndex + 1);
  for (const name of header) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      throw new CsvProblem(headerIndex + 1, name, `unknown column (known: ${CSV_COLUMNS.join(", ")})`);
    }
  }
  for (const name of REQUIRED) {
    if (!header.includes(name)) throw new CsvProblem(headerIndex + 1, name, "required column missing");
  }
  const forms: MeterForm[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (forms.length >= MAX_CSV_ROWS)
      throw new CsvProblem(i + 1, undefined, `more than ${MAX_CSV_ROWS} meters`);
    const row = cells(line, i + 1);
    if (row.length !== header.length) {
      throw new CsvProblem(i + 1, undefined, `${row.length} cells, the header has ${header.length}`);
    }
    const record: Record<string, unknown> = {};
    header.forEach((name, k) => {
      const cell = row[k] as string;
      if (cell === "") return;
      record[name] = TEXT_COLUMNS.has(name) || !/^-?\d+(\.\d+)?$/.test(cell) ? cell : Number(cell);
    });
    const parsed = METER_SCHEMA.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CsvProblem(
        i + 1,
        issue?.path.map(String).join(".") || undefined,
        issue?.message ?? "invalid",
      );
    }
    forms.push(parsed.data);
  }
  return forms;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function meterCsv(forms: readonly MeterForm[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const f of forms) lines.push(CSV_COLUMNS.map((c) => csvCell(f[c])).join(","));
  return `${lines.join("\n")}\n`;
}
