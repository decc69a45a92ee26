import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PlaygroundSession, type PlaygroundDatabases } from '../../../src/core/playground/playgroundSession';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { copyAsInsert } from '../../../src/core/serve/copyAsInsert';
import { localStatement, ServedWriteRecorder } from '../../../src/core/serve/servedWrites';
import type { SqlPort } from '../../../src/core/sql';
import { protocolTargetFor } from '../../../src/db/serve/protocolTarget';
import { WireServer } from '../../../src/db/serve/wireServer';
import { openPgliteFromTemplate } from '../../../src/db/template';
import { bindMessage, executeMessage, parseMessage } from '../../../src/db/serve/extendedProtocol';
import { syncMessage } from '../../../src/db/serve/wireMessages';
import { connectPg, psql, rawClient, within } from './serveHelpers';

const databases = (): PlaygroundDatabases => ({ open: () => openPgliteFromTemplate() });

const SETUP = {
  name: 'served',
  schema: `CREATE TABLE item (
    id serial PRIMARY KEY, name text NOT NULL, label text, price numeric(10,2), added timestamptz, tags text[], photo bytea, doc jsonb);
  CREATE FUNCTION label_item() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.label := coalesce(NEW.label, '') || '[' || upper(NEW.name) || ']'; RETURN NEW; END $$;
  CREATE TRIGGER item_label BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION label_item();`,
  seed: `INSERT INTO item (id, name, price) VALUES (100, 'seeded', 1.00); SELECT setval('item_id_seq', 100);`,
  replicas: [{ name: 'A', clockSkewMs: 0 }, { name: 'B', clockSkewMs: 0 }],
  rules: [],
};

/** What a replay must reproduce on a replica: its rows and its queue, HLCs included. */
async function state(session: PlaygroundSession, replica: string) {
  const db = session.database(replica);
  const rows = async (sql: string) => (await db.query(sql)).rows;
  return {
    items: await rows('SELECT id, name, label, price::text, added::text, tags, encode(photo, \'hex\') AS photo, doc FROM item ORDER BY id'),
    queue: (await session.queue(replica)).map((o) => ({ id: o.opId, kind: o.kind, pk: o.pk, after: o.after, hlc: o.hlc, status: o.status })),
  };
}

describe('Writes over the localhost server are steps of the playground', function () {
  this.timeout(180_000);
  let session: PlaygroundSession | undefined;
  let replayed: PlaygroundSession | undefined;
  let server: WireServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await Promise.all([session?.close(), replayed?.close()]);
    server = session = replayed = undefined;
  });

  async function serveReplica(s: PlaygroundSession, name: string): Promise<WireServer> {
    const target = protocolTargetFor(s.database(name) as SqlPort)!;
    const srv = await WireServer.start({ ...target, beforeTurn: () => s.playground.replica(name).tickPhysical() });
    srv.onDidChangeDatabase((c) => c.sql !== undefined && s.recordServed(name, c.sql, 'over localhost'));
    return srv;
  }

  it('an exported playground replays socket writes exactly: rows, triggers, sequences and queued ops with their HLCs', async () => {
    session = await PlaygroundSession.create(SETUP, databases());
    server = await serveReplica(session, 'A');
    const c = await connectPg(server.connectionString);
    try {
      await c.query("SET TimeZone = 'Asia/Tokyo'"); // a text timestamp without offset is read in the client's zone
      await c.query('BEGIN');
      await c.query('INSERT INTO item (name, price, added, tags, photo, doc) VALUES ($1, $2, $3, $4, $5, $6)', [
        "O'Brien \\ back; $1 'quoted'",
        '12.50',
        '2025-01-02 03:04:05',
        ['a', 'b,c'],
        Buffer.from([0, 1, 2, 255]),
        { nested: { x: 1 }, text: "it's" },
      ]);
      await c.query('SAVEPOINT s');
      await assert.rejects(c.query('INSERT INTO item (id, name) VALUES ($1, $2)', [100, 'duplicate']), /duplicate key/);
      await c.query('ROLLBACK TO SAVEPOINT s');
      await c.query('UPDATE item SET price = price * 2, doc = NULL WHERE name LIKE $1', ["O'Brien%"]);
      await c.query('COMMIT');
      await c.query('BEGIN');
      await c.query("INSERT INTO item (name) VALUES ('rolled back')");
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
    await session.runSql('A', "INSERT INTO item (name) VALUES ('from the editor')");
    const p = await psql(server.connectionString, ['-f', '-'], "BEGIN;\nINSERT INTO item (name, price) VALUES ('via psql', 3);\nDELETE FROM item WHERE id = 100;\nCOMMIT;\nSELECT count(*) FROM item;\n");
    assert.equal(p.code, 0, p.stderr);
    await session.sync('A');
    await session.sync('B');

    const steps = session.recording().steps;
    const served = steps.filter((s) => s.comment === 'over localhost');
    assert.equal(served.length, 3, JSON.stringify(steps, null, 1));
    assert.ok(served.every((s) => s.kind === 'sql' && s.replica === 'A'));
    const sql = served.map((s) => (s as { sql: string }).sql);
    assert.match(sql[1]!, /INSERT INTO item \(name\) VALUES \('rolled back'\);\nROLLBACK;$/, 'a rolled-back write is replayed as rolled back (it drew sequence values)');
    assert.ok(!sql.join('').includes('duplicate'), 'a failed statement is not recorded');

    const scenario = exportScenario(session.recording()); // valid as a file
    replayed = await PlaygroundSession.replay({ ...SETUP, steps: scenario.steps }, databases());
    assert.equal(replayed.recording().steps.length, steps.length, 'every step replays');
    for (const name of ['A', 'B']) assert.deepEqual(await state(replayed, name), await state(session, name), `replica ${name}`);
    const hub = async (s: PlaygroundSession) => (await s.database('hub').query('SELECT id, name, price::text, added::text FROM item ORDER BY id')).rows;
    assert.deepEqual(await hub(replayed), await hub(session));
    const a = await state(session, 'A');
    assert.ok(a.items.some((r) => (r as { added: string | null }).added === '2025-01-01 18:04:05+00'), JSON.stringify(a.items));
  });

  it('writes to the served hub are hub steps: the replay versions them and the replicas pull the same rows', async () => {
    session = await PlaygroundSession.create(SETUP, databases());
    const s = session;
    const target = protocolTargetFor(s.database('hub') as SqlPort)!;
    server = await WireServer.start({ ...target, beforeTurn: () => s.playground.tickHubClock() });
    server.onDidChangeDatabase((c) => c.sql !== undefined && s.recordServed('hub', c.sql, 'over localhost'));
    const c = await connectPg(server.connectionString);
    try {
      await c.query('UPDATE item SET price = $1 WHERE id = $2', ['9.99', 100]);
    } finally {
      await c.end();
    }
    await session.sync('A');
    const step = session.recording().steps[0]!;
    assert.equal(step.kind, 'hub');
    replayed = await PlaygroundSession.replay({ ...SETUP, steps: session.recording().steps }, databases());
    assert.deepEqual(await state(replayed, 'A'), await state(session, 'A'));
    const hub = async (p: PlaygroundSession) => (await p.database('hub').query('SELECT id, price::text FROM item ORDER BY id')).rows;
    assert.deepEqual(await hub(replayed), await hub(session));
    assert.deepEqual(await hub(session), [{ id: 100, price: '9.99' }]);
  });

  it('an extended batch flushed before its Sync (Flush, as JDBC and pgx pipeline) is recorded once it is synced', async () => {
    session = await PlaygroundSession.create(SETUP, databases());
    server = await serveReplica(session, 'A');
    const wire = await rawClient(server.port, server.password);
    try {
      wire.send(Buffer.concat([parseMessage('', 'INSERT INTO item (name) VALUES ($1)'), bindMessage('', '', ['flushed']), executeMessage(''), Buffer.from([0x48, 0, 0, 0, 4])]));
      assert.ok((await wire.until('C')).includes('C'), 'the INSERT completes before any Sync');
      wire.send(syncMessage());
      assert.equal((await wire.until('Z')).at(-1), 'Z');
    } finally {
      wire.end();
    }
    const step = await within(
      new Promise<string>((resolve) => {
        const look = () => {
          const last = session!.recording().steps.at(-1);
          if (last?.kind === 'sql') resolve(last.sql);
          else setTimeout(look, 20);
        };
        look();
      }),
      10_000,
      'the recorded step',
    );
    assert.match(step, /EXECUTE _served_1\('flushed'\)/);
  });

  it('binary parameters of any type are recorded by their text (the database converts them)', async () => {
    session = await PlaygroundSession.create(SETUP, databases());
    server = await serveReplica(session, 'A');
    const c = await connectPg(server.connectionString);
    try {
      // node-postgres sends text; a Buffer for a numeric parameter goes as binary, the way pgx or JDBC send values
      const numeric = Buffer.from([0, 2, 0, 0, 0, 0, 0, 2, 0, 42, 0x13, 0x88]); // 42.5 in numeric's binary form
      await c.query({ text: 'INSERT INTO item (name, price) VALUES ($1, $2::numeric)', values: ['binary', numeric] });
    } finally {
      await c.end();
    }
    const step = session.recording().steps.at(-1)!;
    assert.equal(step.kind, 'sql');
    assert.match((step as { sql: string }).sql, /EXECUTE _served_1\('binary', '42\.50?'\)/);
    replayed = await PlaygroundSession.replay({ ...SETUP, steps: session.recording().steps }, databases());
    assert.deepEqual(await state(replayed, 'A'), await state(session, 'A'));
  });
});

describe('COPY FROM STDIN over the localhost server, recorded', function () {
  this.timeout(180_000);
  let session: PlaygroundSession | undefined;
  let replayed: PlaygroundSession | undefined;
  let server: WireServer | undefined;
  after(async () => {
    await server?.stop();
    await Promise.all([session?.close(), replayed?.close()]);
  });

  it('psql COPY (text, with escapes and NULL) and \\copy … csv header replay to the same rows', async () => {
    session = await PlaygroundSession.create(SETUP, databases());
    const target = protocolTargetFor(session.database('A') as SqlPort)!;
    const s = session;
    server = await WireServer.start({ ...target, beforeTurn: () => s.playground.replica('A').tickPhysical() });
    server.onDidChangeDatabase((c) => c.sql !== undefined && s.recordServed('A', c.sql, 'over localhost'));
    const csv = path.join(mkdtempSync(path.join(tmpdir(), 'served-copy-')), 'items.csv');
    writeFileSync(csv, 'id,name,price\n3,"quoted, with ""quotes""",1.5\n4,"two\nlines",\n');
    const script = [
      'COPY item (id, name, tags, doc) FROM STDIN;',
      String.raw`1	tab\there\tand a\\backslash	{x,"y z"}	{"k": "v"}`,
      String.raw`2	it's \\N-ish	\N	\N`,
      String.raw`\.`,
      // psql's \copy reads the file and sends its rows (PostgreSQL 18 takes no \. marker in CSV)
      String.raw`\copy item (id, name, price) from '` + csv + `' with (format csv, header true)`,
    ].join('\n');
    const r = await psql(server.connectionString, ['-f', '-'], `${script}\n`);
    assert.equal(r.code, 0, r.stderr);
    const steps = session.recording().steps.filter((st) => st.comment === 'over localhost') as { sql: string }[];
    assert.equal(steps.length, 2);
    assert.match(steps[0]!.sql, /^INSERT INTO item \(id, name, tags, doc\) VALUES/);
    replayed = await PlaygroundSession.replay({ ...SETUP, steps: session.recording().steps }, databases());
    assert.deepEqual(await state(replayed, 'A'), await state(session, 'A'));
    const rows = (await session.database('A').query<{ name: string; price: string | null }>('SELECT name, price::text FROM item WHERE id IN (1, 2, 3, 4) ORDER BY id')).rows;
    assert.deepEqual(rows.map((x) => x.name), ['tab\there\tand a\\backslash', "it's \\N-ish", 'quoted, with "quotes"', 'two\nlines']);
    assert.equal(rows[3]!.price, null, 'an unquoted empty CSV field is NULL');
  });

  it('reads the options it can replay and refuses the others', () => {
    assert.equal(copyAsInsert('COPY t FROM STDIN', ''), '');
    assert.equal(copyAsInsert("COPY t FROM STDIN WITH (FORMAT csv, NULL 'n/a', DELIMITER ';')", 'a;n/a\n'), "INSERT INTO t VALUES\n  ('a', NULL)");
    assert.equal(copyAsInsert("copy s.t (a) from stdin delimiter as '|' csv", '"x|y"\n'), "INSERT INTO s.t (a) VALUES\n  ('x|y')");
    assert.equal(copyAsInsert('COPY t FROM STDIN WITH (FORMAT binary)', ''), undefined);
    assert.equal(copyAsInsert('COPY t FROM STDIN WITH (FORMAT csv, FORCE_NULL (a))', ''), undefined);
  });
});

describe('ServedWriteRecorder', () => {
  const settings = new Map<string, string>();
  const recorder = () => new ServedWriteRecorder(() => ({ settings }));

  it('keeps writes with literals for their parameters; reads are left out, rolled-back writes end in ROLLBACK', () => {
    const r = recorder();
    r.ran([{ sql: 'SELECT 1', tag: 'SELECT 1' }], { failed: false, status: 'I' });
    r.ran([{ sql: 'INSERT INTO t VALUES ($1, $2)', tag: 'INSERT 0 1', params: { types: ['', 'text'], values: ["a'b\\", null] } }], { failed: false, status: 'I' });
    r.ran([{ sql: 'BEGIN', tag: 'BEGIN' }, { sql: 'DELETE FROM t', tag: 'DELETE 3' }], { failed: false, status: 'T' });
    r.ran([{ sql: 'ROLLBACK', tag: 'ROLLBACK' }], { failed: false, status: 'I' });
    // the UPDATE ran, then a later statement of the same implicit transaction failed: it was rolled back
    r.ran([{ sql: 'UPDATE t SET x = 1', tag: 'UPDATE 1' }], { failed: true, status: 'I' });
    assert.equal(
      r.take().sql,
      [
        'BEGIN;', 'PREPARE _served_1(unknown, text) AS INSERT INTO t VALUES ($1, $2);', "EXECUTE _served_1('a''b\\', NULL);", 'DEALLOCATE _served_1;', 'COMMIT;',
        'BEGIN;', 'DELETE FROM t;', 'ROLLBACK;',
        'BEGIN;', 'UPDATE t SET x = 1;', 'ROLLBACK;',
      ].join('\n'),
    );
    assert.equal(r.take().sql, undefined);
  });

  it('runs a transaction with the client\'s settings, for that transaction only', () => {
    settings.set('search_path', 'app, public');
    settings.set('application_name', 'psql');
    try {
      const r = recorder();
      r.ran([{ sql: 'BEGIN', tag: 'BEGIN' }, { sql: "SET TimeZone = 'UTC'", tag: 'SET' }, { sql: 'INSERT INTO note DEFAULT VALUES', tag: 'INSERT 0 1' }, { sql: 'COMMIT', tag: 'COMMIT' }], { failed: false, status: 'I' });
      assert.equal(
        r.take().sql,
        ['BEGIN;', "SELECT pg_catalog.set_config('search_path', 'app, public', true);", "SET LOCAL TimeZone = 'UTC';", 'INSERT INTO note DEFAULT VALUES;', 'COMMIT;'].join('\n'),
      );
    } finally {
      settings.clear();
    }
  });

  it('a transaction that EXECUTEs a SQL prepared statement carries its PREPARE; an unrecordable write is reported', () => {
    const r = recorder();
    r.ran([{ sql: 'PREPARE add(int) AS INSERT INTO t VALUES ($1)', tag: 'PREPARE' }], { failed: false, status: 'I' });
    r.ran([{ sql: 'EXECUTE add(1)', tag: 'INSERT 0 1' }], { failed: false, status: 'I' });
    r.ran([{ sql: 'COPY t FROM STDIN', tag: 'COPY 2', unrecordable: 'COPY FROM STDIN' }], { failed: false, status: 'I' });
    const { sql, unrecorded } = r.take();
    assert.equal(sql, ['BEGIN;', 'PREPARE add(int) AS INSERT INTO t VALUES ($1);', 'EXECUTE add(1);', 'DEALLOCATE add;', 'COMMIT;'].join('\n'));
    assert.deepEqual(unrecorded, ['COPY FROM STDIN']);
  });

  it('makes session SETs local and drops what only shapes a transaction', () => {
    assert.equal(localStatement("SET search_path TO app"), 'SET LOCAL search_path TO app');
    assert.equal(localStatement("set session timezone = 'UTC'"), "SET LOCAL timezone = 'UTC'");
    assert.equal(localStatement('RESET search_path'), 'SET LOCAL search_path TO DEFAULT');
    assert.equal(localStatement('SET LOCAL x.y = 1'), 'SET LOCAL x.y = 1');
    assert.equal(localStatement('SET CONSTRAINTS ALL DEFERRED'), 'SET CONSTRAINTS ALL DEFERRED');
    assert.equal(localStatement('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE'), undefined);
    assert.equal(localStatement('INSERT INTO t VALUES (1)'), 'INSERT INTO t VALUES (1)');
  });
});
