/**
 * Mocha root hooks for the PostgreSQL layer: ONE real PostgreSQL server per test run, shared by every file.
 *
 *   import { pg } from './hooks';
 *   const db = PgSqlPort.fromConfig(await pg().createDatabase('my_suite'));
 *
 * Give each suite its own database (createDatabase) so files do not see each other's tables. Suites that need
 * a second cluster (logical replication) call startPgServer() from test/support/pgServer.ts themselves, and stop it
 * in their `after`; connections/tls.test.ts starts one with SSL on and certificates from test/support/tlsCerts.ts.
 */
import { startPgServer, type PgServer } from '../support/pgServer';

let server: PgServer | undefined;

/** The shared server of this run. Only valid inside tests and hooks (it starts before the first suite). */
export function pg(): PgServer {
  if (!server) throw new Error('The PostgreSQL test server is not running: run with --config test/pg/.mocharc.json');
  return server;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    server = await startPgServer({ name: 'shared' });
    console.log(`  PostgreSQL ${server.version} on ${server.host}:${server.port} (${server.dataDir})`);
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await server?.stop();
    server = undefined;
  },
};
