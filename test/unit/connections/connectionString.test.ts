import assert from 'node:assert/strict';
import { draftFromConnectionString, parseConnectionString } from '../../../src/core/connections/connectionString';
import { InvalidInputError } from '../../../src/core/errors';

describe('pasted connection strings', () => {
  it('reads libpq keyword/value strings with quoted values', () => {
    const p = parseConnectionString(`host=db.local port=5544 dbname='my db' user=me password='its \\'x\\'' sslmode=verify-ca sslrootcert=/ca.pem`);
    assert.deepEqual(p.fields, { host: 'db.local', port: 5544, database: 'my db', user: 'me', sslMode: 'verify-ca', caFile: '/ca.pem' });
    assert.equal(p.password, "its 'x'");
  });

  it('fills in libpq defaults and keeps IPv6 hosts', () => {
    const d = draftFromConnectionString(parseConnectionString('postgres://me@[::1]'));
    assert.deepEqual(
      { host: d.host, port: d.port, database: d.database, sslMode: d.sslMode },
      { host: '::1', port: 5432, database: 'me', sslMode: 'disable' },
    );
  });

  it('refuses what it cannot honour, saying why', () => {
    const bad = (s: string, re: RegExp) =>
      assert.throws(() => draftFromConnectionString(parseConnectionString(s)), (e: unknown) => InvalidInputError.is(e) && re.test(e.message));
    bad('postgres://u@h/db?sslmode=prefer', /prefer is not supported/);
    bad('postgres://u@h/db?target_session_attrs=any', /target_session_attrs/);
    bad('host=a,b user=u', /several hosts/);
    bad('postgres://h:99999/db', /not a valid|port/i);
    bad('host=h dbname=d', /names no user/);
    bad('this is not one', /expected key=value/);
  });
});
