/** Attribute value mappings shared by the JSON/reflection converter and the wire reader. */

/** bytes attribute values are kept as lowercase hex text (the model's values are flat). */
export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** int64 attribute values: numbers when exactly representable, bigint beyond 2^53. */
export function intAttribute(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** key/value list attribute values are kept as their JSON text (bigints as decimal strings). */
export function kvlistText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
