/**
 * Loads golden-vector files (`[id]` / `source:` / `expect:` / `hex:` blocks). The project keeps a copy of the
 * shared vectors under test/vectors so a plain clone can run its tests; `vectors.test.ts` checks the copy
 * still equals ../shared/vectors when that folder is present beside the checkout.
 */
import { readFileSync } from "node:fs";
import { fromHex } from "../../src/protocol/common/hex.ts";

export interface GoldenVector {
  readonly id: string;
  readonly source: string;
  /** `key=value` pairs of the expect line plus bare words (e.g. `p0`, `F1/F3`) under their own names. */
  readonly expect: ReadonlyMap<string, string>;
  readonly expectWords: readonly string[];
  readonly bytes: Uint8Array;
}

export const VECTOR_DIR = new URL("../vectors/", import.meta.url);
export const SHARED_VECTOR_DIR = new URL("../../../shared/vectors/", import.meta.url);

export function loadVectors(fileName: string, dir: URL = VECTOR_DIR): GoldenVector[] {
  const text = readFileSync(new URL(fileName, dir), "utf8");
  const vectors: GoldenVector[] = [];
  let current: { id: string; source: string; expectLine: string } | undefined;
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = { id: header[1] as string, source: "", expectLine: "" };
      continue;
    }
    if (current === undefined) continue;
    if (line.startsWith("source:")) current.source = line.slice(7).trim();
    else if (line.startsWith("expect:")) current.expectLine = line.slice(7).trim();
    else if (line.startsWith("hex:")) {
      const bytes = fromHex(line.slice(4));
      if (bytes === undefined) throw new Error(`vector ${current.id}: bad hex`);
      const expect = new Map<string, string>();
      const words: string[] = [];
      for (const word of current.expectLine.split(/\s+/).filter(Boolean)) {
        const eq = word.indexOf("=");
        if (eq > 0) expect.set(word.slice(0, eq), word.slice(eq + 1));
        else words.push(word);
      }
      vectors.push({ id: current.id, source: current.source, expect, expectWords: words, bytes });
      current = undefined;
    }
  }
  return vectors;
}
