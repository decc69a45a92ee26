/**
 * Prepared statement and portal names, per client. All clients share PGlite's one session, so two clients that
 * both prepare "s0" (Prisma, JDBC, pgx and node-postgres name their statements per connection) would collide:
 * "prepared statement "s0" already exists". Each client's names get a prefix of its own on the way in; the
 * unnamed statement and portal stay unnamed (they live only within one batch, which never interleaves).
 * SQL-level PREPARE / EXECUTE / DEALLOCATE are not rewritten (they are SQL text).
 */
import type { FrontendMessage } from './wireMessages';

function cstringEnd(b: Buffer, at: number): number {
  const end = b.indexOf(0, at);
  return end < 0 ? b.length : end;
}

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** Rewrites names in Parse, Bind, Describe, Close and Execute; tracks the prepared statements the client holds. */
export class StatementNames {
  /** This client's prepared statements, as named in the database. */
  readonly prepared = new Set<string>();

  constructor(private readonly prefix: string) {}

  rewrite(m: FrontendMessage): FrontendMessage {
    const body = m.frame.subarray(5);
    switch (m.type) {
      case 'P': {
        const end = cstringEnd(body, 0);
        const name = this.#name(body.subarray(0, end));
        if (name) this.prepared.add(name.toString('utf8'));
        return name ? { type: 'P', frame: frame('P', Buffer.concat([name, body.subarray(end)])) } : m;
      }
      case 'B': {
        const portalEnd = cstringEnd(body, 0);
        const stmtEnd = cstringEnd(body, portalEnd + 1);
        const portal = this.#name(body.subarray(0, portalEnd));
        const stmt = this.#name(body.subarray(portalEnd + 1, stmtEnd));
        if (!portal && !stmt) return m;
        return {
          type: 'B',
          frame: frame('B', Buffer.concat([portal ?? Buffer.alloc(0), Buffer.from([0]), stmt ?? Buffer.alloc(0), body.subarray(stmtEnd)])),
        };
      }
      case 'D':
      case 'C': {
        const end = cstringEnd(body, 1);
        const name = this.#name(body.subarray(1, end));
        if (!name) return m;
        if (m.type === 'C' && body[0] === 0x53 /* S */) this.prepared.delete(name.toString('utf8'));
        return { type: m.type, frame: frame(m.type, Buffer.concat([body.subarray(0, 1), name, body.subarray(end)])) };
      }
      case 'E': {
        const end = cstringEnd(body, 0);
        const name = this.#name(body.subarray(0, end));
        return name ? { type: 'E', frame: frame('E', Buffer.concat([name, body.subarray(end)])) } : m;
      }
      default:
        return m;
    }
  }

  /** Close messages for every statement this client left prepared (sent with a Sync when it disconnects). */
  closeAll(): Buffer[] {
    return [...this.prepared].map((n) => frame('C', Buffer.concat([Buffer.from('S'), Buffer.from(n, 'utf8'), Buffer.from([0])])));
  }

  /** The prefixed name, or undefined for the unnamed statement/portal. */
  #name(raw: Buffer): Buffer | undefined {
    return raw.length ? Buffer.concat([Buffer.from(this.prefix, 'utf8'), raw]) : undefined;
  }
}
