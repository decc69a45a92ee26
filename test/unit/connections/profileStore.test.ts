import assert from 'node:assert/strict';
import { ProfileStore, passwordKey } from '../../../src/core/connections/profileStore';
import type { ProfileDraft } from '../../../src/core/connections/profile';
import { draftFromConnectionString, parseConnectionString } from '../../../src/core/connections/connectionString';
import { InvalidInputError } from '../../../src/core/errors';
import { MemorySecrets, MemorySettings } from './memoryBackends';

const draft: ProfileDraft = {
  name: 'staging',
  host: 'db.example.com',
  port: 5433,
  database: 'app',
  user: 'alice',
  sslMode: 'verify-full',
  caFile: '/etc/ssl/ca.pem',
  applicationName: 'my tool',
  readOnly: true,
};

describe('connection profile store', () => {
  let settings: MemorySettings;
  let secrets: MemorySecrets;
  let store: ProfileStore;
  beforeEach(() => {
    settings = new MemorySettings();
    secrets = new MemorySecrets();
    store = new ProfileStore(settings, secrets);
  });

  it('round-trips a profile; the password is in secret storage and nowhere in the settings', async () => {
    const saved = await store.add(draft, 's3cr3t-pw');
    const again = new ProfileStore(settings, secrets); // as after a restart
    assert.deepEqual(again.list().profiles, [saved]);
    assert.deepEqual({ ...again.get(saved.id), id: undefined }, { ...draft, id: undefined });
    assert.equal(await again.password(saved.id), 's3cr3t-pw');
    assert.ok(!settings.settingsJson.includes('s3cr3t-pw'), settings.settingsJson);
    assert.ok(!/password/i.test(settings.settingsJson), settings.settingsJson);
    assert.deepEqual([...secrets.map.keys()], [passwordKey(saved.id)]);
  });

  it('a pasted connection string with a password: the password goes to secrets, the rest to settings', async () => {
    const parsed = parseConnectionString('postgresql://bob:p%40ss%20word@10.0.0.5:6543/shop?sslmode=require&application_name=cli');
    assert.equal(parsed.password, 'p@ss word');
    const saved = await store.add(draftFromConnectionString(parsed), parsed.password);
    assert.deepEqual(
      { host: saved.host, port: saved.port, database: saved.database, user: saved.user, sslMode: saved.sslMode, app: saved.applicationName },
      { host: '10.0.0.5', port: 6543, database: 'shop', user: 'bob', sslMode: 'require', app: 'cli' },
    );
    assert.equal(await store.password(saved.id), 'p@ss word');
    assert.ok(!settings.settingsJson.includes('p@ss'), settings.settingsJson);
  });

  it('update keeps, replaces or forgets the password as asked', async () => {
    const saved = await store.add(draft, 'one');
    await store.update(saved.id, { ...draft, name: 'renamed' });
    assert.equal(store.get(saved.id)!.name, 'renamed');
    assert.equal(await store.password(saved.id), 'one');
    await store.update(saved.id, draft, 'two');
    assert.equal(await store.password(saved.id), 'two');
    await store.update(saved.id, draft, null);
    assert.equal(await store.password(saved.id), undefined);
  });

  it('remove deletes the profile and its password', async () => {
    const a = await store.add(draft, 'pw-a');
    const b = await store.add({ ...draft, name: 'other' }, 'pw-b');
    await store.remove(a.id);
    assert.deepEqual(store.list().profiles.map((p) => p.id), [b.id]);
    assert.deepEqual([...secrets.map.keys()], [passwordKey(b.id)]);
  });

  it('reports hand-edited entries it cannot read, and keeps them when saving others', async () => {
    settings = new MemorySettings([{ id: 'x', name: 'broken', host: 'h', port: 'not a port', database: 'd', user: 'u', sslMode: 'disable' }]);
    store = new ProfileStore(settings, secrets);
    const { profiles, problems } = store.list();
    assert.equal(profiles.length, 0);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /connections\[0\].*port/);
    await store.add(draft);
    assert.equal(store.list().profiles.length, 1);
    assert.match(settings.settingsJson, /not a port/); // not lost
  });

  it('moves a password typed into the settings by hand into secret storage', async () => {
    settings = new MemorySettings([{ id: 'p1', name: 'hand', host: 'h', port: 5432, database: 'd', user: 'u', sslMode: 'disable', password: 'typed-pw' }]);
    store = new ProfileStore(settings, secrets);
    assert.deepEqual(await store.moveStrayPasswords(), ['hand']);
    assert.ok(!settings.settingsJson.includes('typed-pw'));
    assert.equal(await store.password('p1'), 'typed-pw');
    assert.equal(store.get('p1')!.host, 'h');
  });

  it('rejects verify-full without a CA file, naming the field', async () => {
    await assert.rejects(store.add({ ...draft, caFile: undefined }), (e: unknown) => InvalidInputError.is(e) && e.path === 'caFile');
    assert.equal(settings.settingsJson, '[]');
  });
});
