import type { ReplicationSnapshot, Section } from '../../core/connections/replicationModel';
import { formatBytes, formatServerVersion } from '../../core/connections/replicationModel';

/** One line of the replication monitor: a label, a short description, details, and maybe sub-lines. */
export interface MonitorLine {
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon: string;
  readonly children?: readonly MonitorLine[];
}

const lag = (ms: number | null) => (ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const time = (d: Date | null) => (d ? d.toLocaleTimeString() : '—');

function sectionLines<T>(s: Section<T>, empty: string, line: (item: T) => MonitorLine): MonitorLine[] {
  if (s.status === 'unavailable') return [{ label: s.note, icon: 'info' }];
  if (!s.items.length) return [{ label: empty, icon: 'circle-slash' }];
  return s.items.map(line);
}

/** The monitor's sections as tree lines. Pure: the tree renders whatever this returns. */
export function replicationLines(s: ReplicationSnapshot): MonitorLine[] {
  const header: MonitorLine = {
    label: `PostgreSQL ${formatServerVersion(s.serverVersion)}`,
    description: `wal_level ${s.walLevel}${s.currentLsn ? ` · LSN ${s.currentLsn}` : ''} · read ${time(s.readAt)}`,
    icon: 'server',
    ...(s.walLevel !== 'logical' ? { tooltip: 'Logical replication needs wal_level = logical on a publisher.' } : {}),
  };
  const publications: MonitorLine = {
    label: 'Publications',
    icon: 'broadcast',
    children: sectionLines(s.publications, 'No publications', (p) => ({
      label: p.name,
      description: `${p.allTables ? 'all tables' : `${p.tables.length} tables`} · ${Object.entries(p.actions)
        .filter(([, on]) => on)
        .map(([k]) => k)
        .join(', ')}`,
      icon: 'broadcast',
      children: p.tables.map((t) => ({ label: t, icon: 'table' })),
    })),
  };
  const subscriptions: MonitorLine = {
    label: 'Subscriptions',
    icon: 'plug',
    children: sectionLines(s.subscriptions, 'No subscriptions in this database', (x) => ({
      label: x.name,
      description: `${x.enabled ? 'enabled' : 'disabled'} · ${x.worker ? 'worker running' : 'no worker'}${x.tablesNotReady ? ` · ${x.tablesNotReady} tables syncing` : ''}`,
      icon: x.enabled ? (x.worker ? 'pass' : 'warning') : 'debug-pause',
      children: [
        { label: 'slot', description: x.slotName ?? '(none)', icon: 'database' },
        { label: 'publications', description: x.publications.join(', '), icon: 'broadcast' },
        { label: 'worker', description: x.worker ? `pid ${x.worker.pid}` : 'not running', icon: 'gear' },
        { label: 'received LSN', description: x.worker?.receivedLsn ?? '—', tooltip: `last message ${time(x.worker?.lastMessageReceived ?? null)}`, icon: 'arrow-down' },
        { label: 'reported LSN', description: x.worker?.reportedLsn ?? '—', tooltip: `reported ${time(x.worker?.reportedAt ?? null)}`, icon: 'arrow-up' },
      ],
    })),
  };
  const slots: MonitorLine = {
    label: 'Replication slots',
    icon: 'database',
    children: sectionLines(s.slots, 'No replication slots', (x) => ({
      label: x.name,
      description: `${x.type}${x.plugin ? ` (${x.plugin})` : ''} · ${x.active ? 'active' : 'inactive'} · retains ${formatBytes(x.retainedWalBytes)}`,
      tooltip: [x.database && `database ${x.database}`, x.walStatus && `wal_status ${x.walStatus}`, x.confirmedFlushLsn && `confirmed flush ${x.confirmedFlushLsn}`]
        .filter(Boolean)
        .join('\n'),
      icon: x.active ? 'pass' : x.walStatus === 'lost' ? 'error' : 'circle-large-outline',
    })),
  };
  const senders: MonitorLine = {
    label: 'Streaming to (pg_stat_replication)',
    icon: 'radio-tower',
    children: sectionLines(s.walSenders, 'Nothing is streaming from this server', (w) => ({
      label: w.applicationName || `pid ${w.pid}`,
      description: `${w.state} · replay lag ${lag(w.replayLagMs)} (${formatBytes(w.replayLagBytes)})`,
      icon: w.state === 'streaming' ? 'pass' : 'sync',
      children: [
        { label: 'client', description: w.clientAddr ?? 'local', icon: 'vm' },
        { label: 'sent', description: w.sentLsn ?? '—', icon: 'arrow-right' },
        { label: 'write', description: `${w.writeLsn ?? '—'} · lag ${lag(w.writeLagMs)}`, icon: 'edit' },
        { label: 'flush', description: `${w.flushLsn ?? '—'} · lag ${lag(w.flushLagMs)}`, icon: 'save' },
        { label: 'replay', description: `${w.replayLsn ?? '—'} · lag ${lag(w.replayLagMs)}`, icon: 'check' },
        { label: 'sync state', description: w.syncState, icon: 'info' },
      ],
    })),
  };
  const stats: MonitorLine = {
    label: 'Subscription statistics',
    icon: 'graph',
    children: sectionLines(s.subscriptionStats, 'No subscriptions', (x) => ({
      label: x.name,
      description: `apply errors ${x.applyErrorCount} · sync errors ${x.syncErrorCount}`,
      icon: x.applyErrorCount || x.syncErrorCount ? 'warning' : 'pass',
      children: Object.keys(x.conflicts).length
        ? Object.entries(x.conflicts).map(([k, n]) => ({ label: k, description: String(n), icon: n ? 'warning' : 'check' }))
        : [{ label: 'Conflict counters need PostgreSQL 18 or later', icon: 'info' }],
    })),
  };
  return [header, publications, subscriptions, slots, senders, stats];
}
