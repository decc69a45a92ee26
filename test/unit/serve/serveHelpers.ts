/** Real clients for the localhost server tests: node-postgres and the machine's psql, every wait bounded. */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { md5Response } from '../../../src/db/serve/passwordAuth';
import pg from 'pg';

/** A connected node-postgres client whose connect and queries give up instead of hanging. */
export async function connectPg(connectionString: string, options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, query_timeout: 20_000, ...options });
  client.on('error', () => undefined); // a server-side disconnect is asserted by the tests, not thrown at random
  await client.connect();
  return client;
}

/** Connects, expecting a refusal; resolves with the error. */
export async function connectPgError(connectionString: string): Promise<Error & { code?: string }> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    return e as Error & { code?: string };
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error('the connection was accepted');
}

export interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs psql (never prompting for a password, no ~/.psqlrc) with `args`; `input` goes to its stdin. */
export function psql(connectionString: string, args: readonly string[], input?: string): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'psql',
      [connectionString, '-w', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args],
      { timeout: 30_000, env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
      (error, stdout, stderr) => {
        if (error && (error as { killed?: boolean }).killed) return reject(new Error(`psql timed out: ${stderr}`));
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Resolves with `p`, or rejects after `ms` (a hang becomes a failure). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A client speaking the protocol by hand (after startup and MD5 authentication), for message orders libraries do not send. */
export async function rawClient(port: number, password: string): Promise<{ send(b: Buffer): void; until(type: string): Promise<string[]>; end(): void }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let inbox = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    inbox = Buffer.concat([inbox, d]);
    waiters.splice(0).forEach((w) => w());
  });
  /** Reads whole messages up to (and with) the first of `type`; returns their types. */
  const until = (type: string) =>
    within(
      new Promise<string[]>((resolve) => {
        const types: string[] = [];
        const look = () => {
          while (inbox.length >= 5 && inbox.length >= 1 + inbox.readInt32BE(1)) {
            const t = String.fromCharCode(inbox[0]!);
            const body = inbox.subarray(5, 1 + inbox.readInt32BE(1));
            inbox = inbox.subarray(1 + inbox.readInt32BE(1));
            types.push(t);
            if (t === 'R' && body.readInt32BE(0) === 5) {
              const answer = Buffer.from(`${md5Response(password, 'postgres', body.subarray(4, 8))}\0`);
              socket.write(Buffer.concat([Buffer.from('p'), int32(answer.length + 4), answer]));
            }
            if (t === type) return resolve(types);
          }
          waiters.push(look);
        };
        look();
      }),
      10_000,
      `message ${type}`,
    );
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  socket.write(Buffer.concat([int32(params.length + 8), int32(196608), params]));
  await until('Z');
  return { send: (b) => socket.write(b), until, end: () => socket.destroy() };
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
