import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConnectError } from '../../../src/core/connections/connectError';
import { parseConnectionString } from '../../../src/core/connections/connectionString';
import { redact } from '../../../src/core/connections/redact';
import { InvalidInputError } from '../../../src/core/errors';
import { failure } from '../../../src/core/query/queryRun';

/**
 * `redact` against what the connection-string reader accepts: whenever the reader finds a password in a string,
 * that string redacted (alone, in a sentence, in a stack trace, in JSON) no longer contains the password. And the
 * places that turn driver or parser text into messages use it.
 */
const RUNS = Number(process.env.SYNC_FUZZ_RUNS ?? 500);

/** Passwords: printable ASCII (every quote, '@', ':', '%', spaces) or any unicode. Long enough to be unique in the text. */
const passwordArb = fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 6, maxLength: 24 }), fc.string({ unit: 'grapheme', minLength: 6, maxLength: 12 }));

/** Where the connection string ends up: alone, in an error sentence, a stack trace, a JSON message. */
const contexts: ((conn: string) => string)[] = [
  (c) => c,
  (c) => `could not connect with ${c}: connection refused`,
  (c) => `Error: bad connection ${c}\n    at connect (/ext/dist/extension.js:1:2)`,
  (c) => JSON.stringify({ kind: 'notification', method: 'x', params: { url: c } }),
];

function assertHidden(text: string, password: string): void {
  const out = redact(text);
  // the password could also appear escaped (URL-encoded, libpq-escaped, JSON-escaped): none of them may remain
  for (const form of new Set([password, encodeURIComponent(password), password.replace(/[\\']/g, '\\$&'), JSON.stringify(password).slice(1, -1)])) {
    assert.ok(!out.includes(form), `redact left ${JSON.stringify(form)} in ${JSON.stringify(out)}`);
  }
}

describe('security: redact hides every password the connection-string reader finds', () => {
  it('URL form, percent-encoded', () => {
    fc.assert(
      fc.property(passwordArb, fc.constantFrom('postgres', 'postgresql', 'POSTGRES'), fc.nat(contexts.length - 1), (pw, scheme, ctx) => {
        const conn = `${scheme}://app_user:${encodeURIComponent(pw)}@db.example.test:5432/shop?sslmode=require`;
        assert.equal(parseConnectionString(conn).password, pw, 'the test built a string the reader does not read as intended');
        assertHidden(contexts[ctx]!(conn), pw);
      }),
      { numRuns: RUNS },
    );
  });

  it('URL form, written raw (unencoded @ : and quotes, as people paste them)', () => {
    let checked = 0;
    fc.assert(
      fc.property(passwordArb, fc.nat(contexts.length - 1), (pw, ctx) => {
        const conn = `postgres://app_user:${pw}@db.example.test/shop`;
        let read: string | undefined;
        try {
          read = parseConnectionString(conn).password;
        } catch (e) {
          if (!InvalidInputError.is(e)) throw e;
          // refused: the message the user sees must not carry the password either
          assert.ok(!e.message.includes(pw), e.message);
          return;
        }
        fc.pre(read === pw);
        checked++;
        assertHidden(contexts[ctx]!(conn), pw);
      }),
      { numRuns: RUNS },
    );
    assert.ok(checked > RUNS / 4, `only ${checked} raw URLs were read as intended`);
  });

  it('libpq keyword/value form, quoted with escapes, and unquoted', () => {
    fc.assert(
      fc.property(passwordArb, fc.boolean(), fc.nat(contexts.length - 1), (pw, quoted, ctx) => {
        fc.pre(quoted || /^[^\s'\\]+$/.test(pw));
        const value = quoted ? `'${pw.replace(/[\\']/g, '\\$&')}'` : pw;
        const conn = `host=db.example.test port=5432 user=app_user password=${value} dbname=shop`;
        assert.equal(parseConnectionString(conn).password, pw);
        assertHidden(contexts[ctx]!(conn), pw);
      }),
      { numRuns: RUNS },
    );
  });

  it('a connection string the reader refuses does not echo its password in the error', () => {
    const pw = 'S3cret-no-echo';
    for (const bad of [`host=h user=u password='${pw}`, `host=h user=u password=${pw}'x`, `host=h password=x'${pw} user=u`, `postgres://u:${pw}%zz@h/db`]) {
      assert.throws(
        () => parseConnectionString(bad),
        (e: unknown) => InvalidInputError.is(e) && !e.message.includes(pw) && !e.message.includes('no-echo'),
        bad,
      );
    }
  });

  it('leaves text without a password as it was', () => {
    for (const text of [
      'password authentication failed for user "app_user"',
      'postgres://app_user@db.example.test:5432/shop',
      'postgres://db.example.test:5432/shop',
      "SET password_encryption = 'scram-sha-256'",
      'Check the user name and password, and the server’s pg_hba.conf.',
    ]) {
      assert.equal(redact(text), text);
    }
  });

  it('connect errors and statement errors are redacted before anyone sees them', () => {
    const pw = 'Tr0ub4dor&3';
    const target = { host: 'db.example.test', port: 5432, user: 'app_user', database: 'shop' };
    const e = new ConnectError('other', target, `invalid connection option in "postgres://app_user:${pw}@db.example.test/shop"`);
    assert.ok(!e.message.includes(pw), e.message);
    assert.match(e.message, /app_user:\*\*\*@db\.example\.test/);
    const f = failure(0, 'SELECT dblink_connect(...)', new Error(`could not establish connection: host=db password=${pw}`));
    assert.ok(!f.message.includes(pw), f.message);
  });
});
