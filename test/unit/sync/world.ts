/**
 * Test builder: a hub and two replicas (A, B) reused across tests and reset between them, so a suite opens three
 * databases, not three per test. The hub comes from a factory (PGlite here, PostgreSQL in test/pg/sync).
 */
import type { SqlPort } from '../../../src/core/sql';
import { Playground, type CreateOptions } from '../../../src/core/sync/playground';
import { SimulatedClock } from '../../../src/core/sync/clock';
import { DROP_SYNC_SQL } from '../../../src/core/sync/schemaSql';
import { openPgliteFromTemplate } from '../../../src/db/template';

export interface World {
  readonly hub: SqlPort;
  readonly a: SqlPort;
  readonly b: SqlPort;
  close(): Promise<void>;
}

export async function openWorld(openHub: () => Promise<SqlPort> = openPgliteFromTemplate): Promise<World> {
  const [hub, a, b] = await Promise.all([openHub(), openPgliteFromTemplate(), openPgliteFromTemplate()]);
  return { hub, a, b, close: async () => void (await Promise.all([hub.close(), a.close(), b.close()])) };
}

/** Drops sync state and every user schema, leaving empty databases. */
export async function resetDb(db: SqlPort): Promise<void> {
  await db.exec(DROP_SYNC_SQL);
  const r = await db.query<{ n: string }>(
    `SELECT nspname AS n FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND nspname NOT LIKE 'pg\\_%'`,
  );
  for (const { n } of r.rows) await db.exec(`DROP SCHEMA "${n.replaceAll('"', '""')}" CASCADE`);
  await db.exec('CREATE SCHEMA public');
}

/** A fresh playground on the world's databases, with the schema applied and `seed` on every side. */
export async function playground(
  w: World,
  schema: string,
  options: Partial<Omit<CreateOptions, 'hub' | 'replicas'>> & { seed?: string } = {},
): Promise<{ pg: Playground; clock: SimulatedClock }> {
  await Promise.all([resetDb(w.hub), resetDb(w.a), resetDb(w.b)]);
  const clock = (options.clock as SimulatedClock | undefined) ?? new SimulatedClock();
  const pg = await Playground.create({ ...options, clock, hub: w.hub, replicas: [{ name: 'A', db: w.a }, { name: 'B', db: w.b }] });
  await pg.applySchema(schema);
  if (options.seed) await pg.seed(options.seed);
  return { pg, clock };
}

export async function rows(db: SqlPort, sql: string): Promise<unknown[]> {
  return (await db.query(sql)).rows;
}
