import { PgSqlPort } from '../../src/db/pgPort';
import { sqlPortContract } from '../support/sqlPortContract';
import { pg } from './hooks';

let n = 0;
sqlPortContract('PostgreSQL through node-postgres', async () =>
  PgSqlPort.fromConfig(await pg().createDatabase(`sql_port_${++n}`)),
);
