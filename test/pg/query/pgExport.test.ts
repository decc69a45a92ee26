import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { PgSqlPort } from '../../../src/db/pgPort';
import { describeExport } from '../../unit/query/exportSuite';
import { pg } from '../hooks';

describe('SQL playground export on PostgreSQL (pg)', () => {
  let port: PgSqlPort;
  before(async () => {
    port = PgSqlPort.fromConfig(await pg().createDatabase('query_export'));
  });
  after(() => port.close());
  describeExport(() => openQuerySession(port));
});
