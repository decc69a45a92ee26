/** Real clients for the localhost server tests: node-postgres and the machine's psql, every wait bounded. */
import { execFile } from 'node:child_process';
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
