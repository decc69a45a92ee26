/**
 * Hybrid logical clock timestamps. The text form sorts like the tuple (wall, counter, node), both in
 * JavaScript and in SQL with COLLATE "C", so the hub compares HLCs set-based as plain text:
 *   `000001735689600000-0000000000-A`  = wall ms (18 digits) - counter (10 digits) - node (replica name, or `hub`)
 * Ties of wall and counter fall to the node name: that is the "ties by replica name" rule.
 * The clock arithmetic itself runs in SQL (`_sync.hlc_tick`, `_sync.hlc_observe`) next to the capture triggers.
 */

export interface Hlc {
  readonly wall: number;
  readonly counter: number;
  readonly node: string;
}

const WALL_DIGITS = 18;
const COUNTER_DIGITS = 10;

export function formatHlc(h: Hlc): string {
  return `${String(h.wall).padStart(WALL_DIGITS, '0')}-${String(h.counter).padStart(COUNTER_DIGITS, '0')}-${h.node}`;
}

export function parseHlc(s: string): Hlc {
  const m = /^(\d{18})-(\d{10})-(.+)$/.exec(s);
  if (!m) throw new RangeError(`Not an HLC timestamp: ${JSON.stringify(s)}`);
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3]! };
}

/** Negative when a < b. Byte order, the same as SQL's COLLATE "C" on the text form. */
export function compareHlc(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/** A short human form for the UI: `2025-01-01T00:00:05.000Z+2 @A`. */
export function describeHlc(s: string): string {
  const h = parseHlc(s);
  return `${new Date(h.wall).toISOString()}${h.counter ? `+${h.counter}` : ''} @${h.node}`;
}
