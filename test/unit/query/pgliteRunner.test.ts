import { QueryConsole } from '../../../src/core/query/queryConsole';
import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { openPgliteFromTemplate } from '../../../src/db/template';
import type { SqlPort } from '../../../src/core/sql';
import { describeRunner } from './runnerSuite';
import { describeValueSerialisation } from './valueSuite';

describe('SQL playground on PGlite', () => {
  let port: SqlPort;
  before(async () => {
    port = await openPgliteFromTemplate();
  });
  after(() => port.close());
  const open = async () => new QueryConsole(() => openQuerySession(port));
  describeRunner(open);
  describeValueSerialisation(open);
});
