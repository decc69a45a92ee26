import { QueryConsole } from '../../../src/core/query/queryConsole';
import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { describeExport } from './exportSuite';
import { describeRunner } from './runnerSuite';
import { describeValueSerialisation } from './valueSuite';

// The embedded database as the extension opens it (PGlite in a worker): the same runner, value and export
// checks as in-thread PGlite and PostgreSQL, through the worker's own query session (text rows from a portal).
describe('SQL playground on PGlite in a worker', () => {
  let port: WorkerSqlPort;
  before(async () => {
    port = await openPgliteWorker();
  });
  after(() => port.close());
  const open = async () => new QueryConsole(() => openQuerySession(port));
  describeRunner(open);
  describeValueSerialisation(open);
  describeExport(() => openQuerySession(port));
});
