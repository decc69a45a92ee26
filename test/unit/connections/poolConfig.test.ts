import assert from 'node:assert/strict';
import { toPoolConfig } from '../../../src/db/connections/poolConfig';
import type { ConnectionProfile } from '../../../src/core/connections/profile';
import { InvalidInputError } from '../../../src/core/errors';

const base: ConnectionProfile = { id: '1', name: 'n', host: 'h', port: 5432, database: 'd', user: 'u', sslMode: 'disable' };
const opts = { connectTimeoutMs: 7000, statementTimeoutMs: 30000 };

describe('profile → node-postgres configuration', () => {
  it('maps the SSL modes to what libpq would do', () => {
    assert.equal(toPoolConfig(base, undefined, opts).ssl, false);
    assert.deepEqual(toPoolConfig({ ...base, sslMode: 'require' }, undefined, opts).ssl, { rejectUnauthorized: false });
  });

  it('a missing CA file is a clear input error, not a crash at connect time', () => {
    assert.throws(
      () => toPoolConfig({ ...base, sslMode: 'verify-full', caFile: '/nonexistent/ca.pem' }, undefined, opts),
      (e: unknown) => InvalidInputError.is(e) && /Cannot read the CA file \/nonexistent\/ca\.pem/.test(e.message),
    );
  });

  it('read-only profiles make every transaction read only; timeouts and application name are set', () => {
    const c = toPoolConfig({ ...base, readOnly: true }, 'pw', opts);
    assert.equal(c.options, '-c default_transaction_read_only=on');
    assert.equal(c.statement_timeout, 30000);
    assert.equal(c.connectionTimeoutMillis, 7000);
    assert.equal(c.application_name, 'Sync Playground');
    assert.equal(toPoolConfig(base, 'pw', { ...opts, statementTimeoutMs: 0 }).statement_timeout, undefined);
    assert.equal(toPoolConfig(base, 'pw', opts).options, undefined);
  });
});
