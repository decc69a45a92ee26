/**
 * Host side of a query session's rows: a page arrives from the worker as the raw DataRow messages (transferred,
 * not copied) and is decoded here into arrays of Postgres' text form, only when the runner reads that page.
 */

/** Decodes `count` DataRow messages: one array per row, a string per value (text format) or null. */
export function decodeDataRows(bytes: Uint8Array, count: number): (string | null)[][] {
  // Buffer's utf8 slice is the fastest way Node has to turn many short byte ranges into strings
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows = new Array<(string | null)[]>(count);
  let p = 0;
  for (let r = 0; r < count; r++) {
    const n = buf.readInt16BE(p + 5);
    p += 7;
    const row = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const len = buf.readInt32BE(p);
      p += 4;
      if (len < 0) row[i] = null;
      else {
        row[i] = buf.toString('utf8', p, p + len);
        p += len;
      }
    }
    rows[r] = row;
  }
  return rows;
}
