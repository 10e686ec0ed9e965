/** 8-bit arithmetic sum of `bytes[start..end)`, the checksum of all three protocols. */
export function sum8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i] as number;
  return sum & 0xff;
}
