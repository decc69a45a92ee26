import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ProfileStore } from '../../../src/core/connections/profileStore';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario } from '../../../src/core/scenario/parseScenario';
import { scenarioToJson } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
import type { SqlPort } from '../../../src/core/sql';
import { PgConnectionDriver } from '../../../src/db/connections/pgConnectionDriver';
import { PgSqlPort } from '../../../src/db/pgPort';
import { openPgliteFromTemplate } from '../../../src/db/template';
import { MemorySecrets, MemorySettings } from '../../unit/connections/memoryBackends';
import { pg } from '../hooks';

/**
 * A whole session with a hub on PostgreSQL reached with a password, scanned for that password the way a person
 * would look for it: the settings, every error the user can see (wrong password, server unreachable, a failing
 * statement), the timeline, the conflict log and an exported scenario. The password must be in secret storage only.
 */
describe('security: a known password appears nowhere but in secret storage', function () {
  this.timeout(180_000);

  it('settings, connect errors, database errors, timeline, conflicts and exported scenario', async () => {
    const s = pg();
    const { user, password } = s.passwordUser;
    const seen: [string, string][] = [];
    const scan = (where: string, value: unknown) => seen.push([where, typeof value === 'string' ? value : `${JSON.stringify(value)}\n${inspect(value, { depth: 8 })}`]);

    // the profile, saved as the connections view saves it
    const settings = new MemorySettings();
    const secrets = new MemorySecrets();
    const store = new ProfileStore(settings, secrets);
    const profile = await store.add({ name: 'hub', host: s.host, port: s.port, database: 'pw_hub', user, sslMode: 'disable' }, password);
    scan('settings.json', settings.settingsJson);
    assert.equal(await store.password(profile.id), password);

    // connect errors: a wrong database, and an unreachable port, each with the right password
    const driver = new PgConnectionDriver();
    const options = { connectTimeoutMs: 10_000, statementTimeoutMs: 0 };
    for (const bad of [{ database: 'no_such_db' }, { port: 1 }]) {
      const e = await driver.test({ ...profile, ...bad }, password, options).then(() => assert.fail('connected'), (x: unknown) => x);
      scan(`connect error ${JSON.stringify(bad)}`, e);
      scan(`connect error text ${JSON.stringify(bad)}`, `${String(e)}\n${(e as Error).stack}`);
    }

    // a playground whose hub is that database, owned by the password role
    await s.createDatabase('pw_hub');
    const admin = PgSqlPort.fromConfig(s.poolConfig('pw_hub'));
    await admin.exec(`ALTER DATABASE pw_hub OWNER TO ${user}; ALTER SCHEMA public OWNER TO ${user}`);
    await admin.close();
    const opened: SqlPort[] = [];
    const openDatabase = async (): Promise<SqlPort> => {
      const db = opened.length === 0 ? PgSqlPort.fromConfig({ host: s.host, port: s.port, database: 'pw_hub', user, password }) : await openPgliteFromTemplate();
      opened.push(db);
      return db;
    };
    const scenario = parseScenario(
      JSON.stringify({
        name: 'password scan',
        schema: 'CREATE TABLE t (id int PRIMARY KEY, v text)',
        seed: `INSERT INTO t VALUES (1, 'a')`,
        replicas: [{ name: 'A' }, { name: 'B', clockSkewMs: 1000 }],
        rules: [{ strategy: 'manual', table: 't', conflict: 'update_origin_differs' }],
        steps: [
          { replica: 'A', sql: `UPDATE t SET v = 'A'` },
          { replica: 'B', sql: `UPDATE t SET v = 'B'` },
          { sync: 'A' },
          { sync: 'B' },
        ],
      }),
    );
    const session = await ScenarioSession.start(scenario, { openDatabase, onTimeline: (entry) => scan('live timeline', entry) });
    try {
      for (const step of scenario.steps) await session.runStep(step);
      const p = session.playground;
      // a statement the hub refuses, as the user would see it
      scan('hub error', await p.hubExec('SELECT * FROM nowhere').catch((e: unknown) => e));
      scan('timeline', await p.timeline());
      scan('conflicts', await p.conflicts());
      assert.equal((await p.conflicts({ open: true })).length, 1, 'the session produced a parked conflict');
      scan('exported scenario', JSON.stringify(scenarioToJson(exportScenario(session.recording())), null, 2));
      scan('run result', await session.expectationState());
    } finally {
      await session.close();
    }
    scan('settings.json at the end', settings.settingsJson);

    assert.ok(seen.length >= 10);
    // the scan can see a secret where there is one: the secret store holds it
    assert.ok([...secrets.map.values()].some((v) => v.includes(password)));
    for (const [where, text] of seen) {
      assert.ok(!text.includes(password), `the password is in the ${where}: ${text.slice(Math.max(0, text.indexOf(password) - 200), text.indexOf(password) + 50)}`);
    }
  });
});
