import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConnectError, type ConnectFailureKind } from '../../../src/core/connections/connectError';
import type { ProfileDraft } from '../../../src/core/connections/profile';
import { PgConnectionDriver } from '../../../src/db/connections/pgConnectionDriver';
import { startPgServer, type PgServer } from '../../support/pgServer';
import { makeTestCertificates, type TestCertificates } from '../../support/tlsCerts';

const options = { connectTimeoutMs: 10_000, statementTimeoutMs: 0 };
const driver = new PgConnectionDriver();

// One extra server for the whole file: SSL on, certificates made by openssl now, and TCP accepted only over SSL.
describe('connections over TLS: SSL modes against a server with real certificates', function () {
  this.timeout(60_000);
  let dir: string;
  let certs: TestCertificates;
  let server: PgServer;

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'sp-tls-'));
    certs = makeTestCertificates(dir);
    server = await startPgServer({
      name: 'tls',
      ssl: certs.localhost,
      hostRules: ['hostssl all all 127.0.0.1/32 trust', 'hostssl all all ::1/128 trust'],
    });
  });
  after(async function () {
    this.timeout(60_000);
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const profile = (over: Partial<ProfileDraft>) => ({
    id: 'tls',
    name: 'tls',
    host: '127.0.0.1',
    port: server.port,
    database: 'postgres',
    user: server.user,
    sslMode: 'require' as const,
    ...over,
  });

  async function failure(over: Partial<ProfileDraft>): Promise<ConnectError> {
    try {
      await driver.test(profile(over), undefined, options);
    } catch (e) {
      assert.ok(ConnectError.is(e), `expected a ConnectError, got ${String(e)}`);
      return e;
    }
    assert.fail('the connection unexpectedly succeeded');
  }

  function expectKind(e: ConnectError, kind: ConnectFailureKind, message: RegExp) {
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
  }

  it('require: the connection is encrypted (the certificate is not checked)', async () => {
    const check = await driver.test(profile({ sslMode: 'require' }), undefined, options);
    assert.equal(check.ssl, true);
  });

  it('verify-ca with the CA that signed the certificate: connects, whatever host name is used', async () => {
    const check = await driver.test(profile({ sslMode: 'verify-ca', caFile: certs.caFile }), undefined, options);
    assert.equal(check.ssl, true);
  });

  it('verify-ca with a CA that did not sign it: the certificate is not trusted, and the message names the CA file', async () => {
    const e = await failure({ sslMode: 'verify-ca', caFile: certs.otherCaFile });
    expectKind(e, 'ssl', /SSL failed for 127\.0\.0\.1:\d+ \(SSL mode verify-ca\): the server's certificate is not trusted/);
    assert.ok(e.message.includes(certs.otherCaFile), e.message);
  });

  it('verify-full to 127.0.0.1 when the certificate names localhost: a host name mismatch that says both names', async () => {
    const e = await failure({ sslMode: 'verify-full', caFile: certs.caFile });
    expectKind(e, 'ssl', /the server's certificate is not for "127\.0\.0\.1": it names localhost/);
    assert.match(e.message, /verify-ca/, 'the message says what would work');
  });

  it('verify-full to localhost, the name in the certificate: connects', async () => {
    const check = await driver.test(profile({ host: 'localhost', sslMode: 'verify-full', caFile: certs.caFile }), undefined, options);
    assert.equal(check.ssl, true);
  });

  it('verify-full to localhost when the server presents a certificate for another name: a mismatch', async () => {
    await server.useSslCertificate(certs.wrongName);
    try {
      const e = await failure({ host: 'localhost', sslMode: 'verify-full', caFile: certs.caFile });
      expectKind(e, 'ssl', /the server's certificate is not for "localhost": it names wrong\.example/);
    } finally {
      await server.useSslCertificate(certs.localhost);
    }
  });

  it('disable against a server that accepts only SSL: says the server requires SSL, not a password problem', async () => {
    const e = await failure({ sslMode: 'disable' });
    expectKind(e, 'ssl', /SSL mode disable.*accepts this connection only over SSL.*Set the SSL mode to require, verify-ca or verify-full\./);
  });

  it('a pooled connection (explorer, SQL runner) with verify-full runs SQL over SSL', async () => {
    const open = await driver.open(profile({ host: 'localhost', sslMode: 'verify-full', caFile: certs.caFile }), undefined, options);
    try {
      const r = await open.port.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      assert.deepEqual(r.rows, [{ ssl: true }]);
    } finally {
      open.dispose();
    }
  });
});
