import type { SqlPort } from '../sql';

/** Where a playground's databases come from. The vscode layer composes it from src/db (the core imports no driver). */
export interface PlaygroundDatabases {
  /**
   * The database called `name` (`hub` or a replica's name). `fresh`: an empty database, replacing whatever was
   * stored under that name; otherwise the stored one. The session closes what it opened.
   */
  open(name: string, fresh: boolean): Promise<SqlPort>;
}

/** The name the hub's database goes by, next to the replicas'. */
export const HUB = 'hub';

/**
 * Opens the databases `names` in parallel and hands them, in that order, to `use`. When one fails to open, or
 * `use` throws, every database that did open is closed again and the error goes on: nothing is left running.
 */
export async function withDatabases<T>(
  dbs: PlaygroundDatabases,
  names: readonly string[],
  fresh: boolean,
  use: (ports: readonly [SqlPort, ...SqlPort[]]) => Promise<T>,
): Promise<T> {
  const opened = await Promise.allSettled(names.map((n) => dbs.open(n, fresh)));
  const ports = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    const failed = opened.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return await use(ports as [SqlPort, ...SqlPort[]]);
  } catch (e) {
    await Promise.allSettled(ports.map((p) => p.close()));
    throw e;
  }
}
