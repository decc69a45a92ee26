import assert from 'node:assert/strict';
import type { ReplicationSnapshot } from '../../../src/core/connections/replicationModel';
import { compareLsn, formatBytes, formatServerVersion } from '../../../src/core/connections/replicationModel';
import { replicationLines, type MonitorLine } from '../../../src/vscode/connections/replicationItems';

const snapshot = (over: Partial<ReplicationSnapshot>): ReplicationSnapshot => ({
  serverVersion: 180001,
  walLevel: 'logical',
  currentLsn: '0/3000000',
  publications: { status: 'ok', items: [] },
  subscriptions: { status: 'ok', items: [] },
  slots: { status: 'ok', items: [] },
  walSenders: { status: 'ok', items: [] },
  subscriptionStats: { status: 'ok', items: [] },
  readAt: new Date(0),
  ...over,
});

const find = (lines: readonly MonitorLine[], label: string) => lines.find((l) => l.label === label)!;

describe('replication monitor lines', () => {
  it('a part the server cannot show is a note, and the other parts still show', () => {
    const lines = replicationLines(
      snapshot({ serverVersion: 140010, subscriptionStats: { status: 'unavailable', note: 'Subscription statistics (pg_stat_subscription_stats) needs PostgreSQL 15 or later.' } }),
    );
    assert.equal(lines[0]!.label, 'PostgreSQL 14.10');
    assert.deepEqual(find(lines, 'Subscription statistics').children!.map((c) => c.label), [
      'Subscription statistics (pg_stat_subscription_stats) needs PostgreSQL 15 or later.',
    ]);
    assert.deepEqual(find(lines, 'Publications').children!.map((c) => c.label), ['No publications']);
  });

  it('shows the conflict counters a PostgreSQL 18 server has', () => {
    const lines = replicationLines(
      snapshot({
        subscriptionStats: {
          status: 'ok',
          items: [{ name: 'sub', applyErrorCount: 1, syncErrorCount: 0, conflicts: { insert_exists: 3, update_missing: 0 }, statsReset: null }],
        },
      }),
    );
    const sub = find(lines, 'Subscription statistics').children![0]!;
    assert.equal(sub.description, 'apply errors 1 · sync errors 0');
    assert.deepEqual(sub.children!.map((c) => `${c.label}=${c.description}`), ['insert_exists=3', 'update_missing=0']);
  });

  it('formats versions, bytes and orders LSNs numerically', () => {
    assert.equal(formatServerVersion(90624), '9.6.24');
    assert.equal(formatBytes(1536), '1.5 kB');
    assert.equal(compareLsn('0/A0000000', '1/0'), -1);
    assert.equal(compareLsn('16/B374D848', '16/B374D847'), 1);
  });
});
