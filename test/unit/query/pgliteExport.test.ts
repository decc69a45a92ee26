import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { openPgliteFromTemplate } from '../../../src/db/template';
import type { SqlPort } from '../../../src/core/sql';
import { describeExport } from './exportSuite';

describe('SQL playground export on PGlite', () => {
  let port: SqlPort;
  before(async () => {
    port = await openPgliteFromTemplate();
  });
  after(() => port.close());
  describeExport(() => openQuerySession(port));
});
