/**
 * What can be served on localhost, gathered from the features that own databases: the SQL playground's embedded
 * database (TargetRegistry id "playground") and the replication playground's hub and replicas. The one place that
 * knows those features; ServeFeature only sees ServeSources.
 */
import type { IDisposable } from '../../core/dispose';
import type { TargetRegistry } from '../../core/query/targetRegistry';
import type { ServeCandidate } from '../../core/serve/serveModel';
import type { SqlPort } from '../../core/sql';
import type { ReplicationFeature } from '../replication/replicationFeature';

/** A database that can be served, and how to reach it. The owner keeps owning it: serving never closes it. */
export interface ServeSource extends ServeCandidate {
  open(): Promise<SqlPort>;
  /** Before each client turn: a replica sets its HLC physical time, as before editor SQL. */
  beforeTurn?(): Promise<void>;
}

/** Where ServeFeature gets its databases. */
export interface ServeSources {
  /** What can be served now, in picker order. */
  list(): ServeSource[];
  /**
   * Fires when the replication playground is replaced or closed: its hub and replicas stop being served (their
   * databases close with it).
   */
  onDidChangePlayground(listener: () => void): IDisposable;
  /** Keys of the replication playground's databases (stopped with it). */
  isPlaygroundKey(key: string): boolean;
  /** A client of a served database committed writes: redraw what shows that database. */
  databaseChanged(key: string): Promise<void>;
}

/** The key of a replication tree node: "hub" or "replica:<name>". */
export function playgroundKey(name: string): string {
  return name === 'hub' ? 'hub' : `replica:${name}`;
}

export function extensionServeSources(replication: ReplicationFeature, targets: TargetRegistry): ServeSources {
  return {
    list: () => {
      const out: ServeSource[] = [];
      const session = replication.store.session;
      if (session) {
        out.push({ key: 'hub', label: 'Hub', description: `replication playground "${session.name}"`, open: async () => session.database('hub') });
        for (const r of session.playground.replicas) {
          out.push({
            key: playgroundKey(r.name),
            label: `Replica ${r.name}`,
            description: 'writes are captured into its queue',
            open: async () => session.database(r.name),
            beforeTurn: () => r.tickPhysical(),
          });
        }
      }
      const sql = targets.get('playground');
      if (sql) out.push({ key: 'playground', label: 'SQL playground database', description: sql.description ?? 'embedded PostgreSQL', open: () => sql.open() });
      return out;
    },
    onDidChangePlayground: (listener) => replication.store.onDidChangeSession(() => listener()),
    isPlaygroundKey: (key) => key === 'hub' || key.startsWith('replica:'),
    databaseChanged: async (key) => {
      const session = replication.store.session;
      // the tree renders snapshots; the session's own panels refresh on its next change
      if (session && (key === 'hub' || key.startsWith('replica:'))) replication.tree.show(await session.snapshot());
    },
  };
}
