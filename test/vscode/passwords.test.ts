/**
 * A known password, used for real, then looked for everywhere a session leaves text: a saved connection with a
 * password (secret storage) on a real PostgreSQL server this suite starts, whose role must authenticate with it
 * (scram-sha-256); Test Connection, SQL runs (one failing), and the replication playground with its hub on that
 * server (conflict, queue, timeline and conflict inspector panels, Export Scenario), and the same password typed
 * into settings.json by hand, which Add Connection moves to secret storage. Then the password must be in
 * none of: settings.json, the extension's log and every other log of the session, the extension's storage (query
 * history, playground files), any other file of the user data folder, the exported scenario, the timeline, and
 * every webview message of the session. The scanner is shown to find the password where it is planted, the real
 * extension log included.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { remoteHubSource, removeRemoteHub, type RemoteHubDeps, type RemoteHubLocation } from '../../src/core/playground/remoteHubSource';
import type { ExtensionApi } from '../../src/extension';
import { connectionOptions } from '../../src/vscode/connections/profileBackends';
import { startPgServer, type PgServer } from '../support/pgServer';
import { filesHolding, filesUnder, holdsSecret, secretForms } from './secretScan';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';
/** Quotes, a backslash, a space, '%', '&', '/', '@' and ':' so that every escaped form differs from the raw one. */
const PASSWORD = `Pw '"\\ &%/@:${randomBytes(8).toString('hex')}`;
const NAME = 'password scan';
/** A profile whose password someone typed into settings.json by hand. */
const STRAY_ID = '3f0c1f0e-0000-4000-8000-0000000057a7';

async function until<T>(what: string, get: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Passwords never leave secret storage (a real session, scanned)', function () {
  this.timeout(240_000);
  const run = (command: string, ...args: unknown[]) => vscode.commands.executeCommand(`syncPlayground.${command}`, ...args);
  const forms = secretForms(PASSWORD);
  let api: ExtensionApi;
  let server: PgServer | undefined;
  let profile: ConnectionProfile | undefined;
  let deps: RemoteHubDeps;
  let hubAt: RemoteHubLocation | undefined;
  let traffic: { viewType: string; text: string }[];
  let trafficSub: vscode.Disposable | undefined;
  let exported: string | undefined;
  const scratch = mkdtempSync(path.join(tmpdir(), 'pw-scan-'));
  /** The settings.json of this VS Code profile: <user data>/User/settings.json, beside globalStorage. */
  const settingsFile = () => path.resolve(api.files.globalStorage, '..', '..', 'settings.json');

  before(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID)!.activate();
    await api.replication.store.close(true); // a playground of an earlier suite
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = '/tmp'; // the cluster's OS user cannot enter the host's private TMPDIR
    try {
      server = await startPgServer({ name: 'vscode-pw' });
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    const admin = new pg.Client(server.poolConfig());
    await admin.connect();
    try {
      // the server's password role (scram-sha-256 on 127.0.0.1, no trust): it gets this session's password
      await admin.query(`ALTER ROLE ${server.passwordUser.user} CREATEDB PASSWORD ${admin.escapeLiteral(PASSWORD)}`);
    } finally {
      await admin.end();
    }
    const { store, manager, driver } = api.connections;
    deps = { store, manager, driver, options: connectionOptions };
    traffic = [];
    const sub = api.onWebviewTraffic((t) => traffic.push({ viewType: t.viewType, text: JSON.stringify(t.message) ?? '' }));
    trafficSub = new vscode.Disposable(() => sub.dispose());
  });

  after(async () => {
    trafficSub?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.results.current?.dispose();
    await api.replication.store.close(true);
    api.replication.store.remoteHub = undefined;
    if (hubAt) await removeRemoteHub(deps, hubAt).catch(() => undefined);
    for (const id of [profile?.id, STRAY_ID]) {
      if (!id || !api.connections.store.get(id)) continue;
      api.connections.manager.disconnect(id);
      await api.connections.store.remove(id);
    }
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('a connection with a password is tested, runs SQL, and holds the playground hub', async () => {
    const s = server!;
    profile = await api.connections.store.add({ name: NAME, host: s.host, port: s.port, database: 'postgres', user: s.passwordUser.user, sslMode: 'disable' }, PASSWORD);
    await run('testConnection', profile.id);

    const target = await until('the connection as a SQL target', () => api.query.targets.find(NAME));
    assert.ok(target);
    const runFile = async (sql: string) => {
      // a file on disk, not an untitled editor: closing it afterwards asks nothing
      const file = path.join(scratch, `q${Date.now()}.sql`);
      writeFileSync(file, `-- target: ${NAME}\n${sql}\n`);
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      await run('runQuery');
      await api.query.idle();
      return api.query.lastRun();
    };
    const ok = await runFile("SELECT current_user AS who, 'scan me' AS what;");
    assert.equal(ok?.state, 'done', JSON.stringify(ok?.error));
    await api.results.current!.whenReady();
    assert.deepEqual((await api.results.current!.inspect()).firstRow, [s.passwordUser.user, 'scan me'], 'signed in with the password');
    const failed = await runFile('SELECT 1/0;');
    assert.equal(failed?.state, 'failed');

    // Use Connection as Hub without its confirmation dialog: the source the command installs
    hubAt = { profileId: profile.id, database: 'sync_playground_pwscan' };
    api.replication.store.remoteHub = remoteHubSource(deps, hubAt);
    assert.equal(await run('createPlayground', 'inventory'), 'inventory');
    await run('goOffline', 'shop1');
    await run('runSqlOnDatabase', 'shop1', "UPDATE product SET price = 5.00 WHERE sku = 'A-100'");
    await run('runSqlOnDatabase', 'shop2', "UPDATE product SET price = 4.00 WHERE sku = 'A-100'");
    await run('syncReplica', 'shop2');
    await run('goOnline', 'shop1');
    await run('syncReplica', 'shop1');
    const session = api.replication.requireSession();
    const hubRows = await session.runSql('hub', 'SELECT current_database() AS db, current_user AS who');
    assert.deepEqual(hubRows[0]!.rows[0], { db: hubAt.database, who: s.passwordUser.user }, 'the hub is on the server');
    await until('the parked conflict', async () => (await session.playground.conflicts()).length === 1);

    // one at a time: a panel hidden behind the next one has no page (and so says no ready) until shown again
    const panels = [
      ['syncPlayground.queue', () => api.replication.showQueue('shop1')],
      ['syncPlayground.timeline', () => api.replication.showTimeline()],
      ['syncPlayground.conflicts', () => api.replication.showConflicts()],
    ] as const;
    for (const [viewType, open] of panels) {
      await open().whenReady();
      await until(`the snapshot in ${viewType}`, () => traffic.some((t) => t.viewType === viewType && t.text.includes('A-100')));
    }
    const file = vscode.Uri.file(path.join(scratch, 'inventory.syncscenario.json'));
    await run('exportScenario', file);
    exported = readFileSync(file.fsPath, 'utf8');
  });

  it('a password typed into settings.json by hand is moved to secret storage by Add Connection, and still signs in', async function () {
    if (!exported) this.skip();
    const s = server!;
    const config = vscode.workspace.getConfiguration('syncPlayground');
    const stray = { id: STRAY_ID, name: 'stray password', host: s.host, port: s.port, database: 'postgres', user: s.passwordUser.user, sslMode: 'disable', password: PASSWORD };
    await config.update('connections', [...(config.get<unknown[]>('connections') ?? []), stray], vscode.ConfigurationTarget.Global);
    await until('settings.json to hold the hand-written password', () => holdsSecret(readFileSync(settingsFile()), forms));
    const adding = Promise.resolve(run('addConnection'));
    let done = false;
    void adding.finally(() => (done = true));
    await until('the password in secret storage', async () => (await api.connections.store.password(STRAY_ID)) === PASSWORD);
    // the command goes on to its form: cancel it (it may not be showing yet, so close until the command returns)
    await until('Add Connection to end', async () => done || (await vscode.commands.executeCommand('workbench.action.closeQuickOpen'), false), 15_000);
    await adding;
    await until('settings.json without the password', () => !holdsSecret(readFileSync(settingsFile()), forms));
    assert.equal(api.connections.store.get(STRAY_ID)?.name, 'stray password', 'the profile itself stays');
    const { serverVersion } = await api.connections.driver.test(api.connections.store.get(STRAY_ID)!, await api.connections.store.password(STRAY_ID), connectionOptions());
    assert.match(serverVersion, /PostgreSQL/);
  });

  it('finds the password in no setting, log, stored file, exported scenario, timeline event or webview message', async function () {
    if (!exported) this.skip();
    const user = path.resolve(api.files.globalStorage, '..', '..'); // <user data>/User/globalStorage/<extension>
    const settings = settingsFile();
    assert.match(readFileSync(settings, 'utf8'), new RegExp(NAME), 'settings.json holds the profile (the right file is scanned)');
    const logsRoot = path.resolve(api.files.logs, '..', '..', '..'); // <logs>/<session>/<window>/exthost/<extension>
    // the log is written asynchronously: wait for what Test Connection said (so the scan reads a flushed log)
    const extLogs = () => filesUnder(logsRoot).filter((f) => f.includes(EXTENSION_ID) || /Sync Playground/.test(f));
    await until('the extension log with the test connection line', () =>
      extLogs().some((f) => /connected to PostgreSQL/.test(readFileSync(path.join(logsRoot, f), 'utf8'))),
    );

    const found: string[] = [];
    found.push(...filesHolding(api.files.globalStorage, forms).map((f) => `extension storage: ${f}`));
    found.push(...filesHolding(logsRoot, forms).map((f) => `logs: ${f}`));
    if (holdsSecret(readFileSync(settings), forms)) found.push('settings.json');
    if (holdsSecret(exported!, forms)) found.push('exported scenario');
    const timeline = JSON.stringify(await api.replication.requireSession().timeline());
    if (holdsSecret(timeline, forms)) found.push('timeline');
    for (const t of traffic) if (holdsSecret(t.text, forms)) found.push(`webview message of ${t.viewType}: ${t.text.slice(0, 120)}`);
    assert.deepEqual(found, []);

    // and every other file of the user data folder (databases, caches, state): secret storage keeps no plain text there
    const userData = path.dirname(user);
    assert.deepEqual(filesHolding(userData, forms), []);
    console.log(`      scanned ${traffic.length} webview messages, ${filesUnder(logsRoot).length} log files, ${filesUnder(userData).length} user data files`);
    assert.ok(traffic.some((t) => t.text.includes('scan me')), 'the messages scanned include the results of the connection');
    assert.ok(timeline.length > 1000, 'the session produced a timeline to scan');
  });

  it('the scan finds the password where it is planted, in any of its forms, the real extension log included', async () => {
    const dir = mkdtempSync(path.join(scratch, 'planted-'));
    writeFileSync(path.join(dir, 'plain.log'), `connecting with ${PASSWORD}\n`);
    writeFileSync(path.join(dir, 'url.txt'), `postgres://u:${encodeURIComponent(PASSWORD)}@h/db`);
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ password: PASSWORD }));
    writeFileSync(path.join(dir, 'cell.json'), JSON.stringify([Buffer.from(PASSWORD).toString('base64')]));
    writeFileSync(path.join(dir, 'clean.txt'), 'nothing here');
    assert.deepEqual(filesHolding(dir, forms).sort(), ['cell.json', 'plain.log', 'settings.json', 'url.txt']);
    assert.ok(holdsSecret(JSON.stringify({ kind: 'notification', params: { sql: `ALTER ROLE x PASSWORD '${PASSWORD}'` } }), forms));
    assert.ok(existsSync(path.join(scratch, 'inventory.syncscenario.json')), 'the exported scenario was scanned above');
    // a bare password (no URL, no password=) is not something redact can spot: logged, the scan must see it
    const logsRoot = path.resolve(api.files.logs, '..', '..', '..');
    api.log.info(`planted by the test: ${PASSWORD}`);
    const hits = await until('the planted line in the log files', () => {
      const f = filesHolding(logsRoot, forms);
      return f.length > 0 && f;
    });
    assert.ok(hits.some((f) => f.includes(EXTENSION_ID)), hits.join(', '));
  });
});
