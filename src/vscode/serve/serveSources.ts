/**
 * What can be served on localhost, gathered from the features that own databases: the SQL playground's embedded
 * database (TargetRegistry id "playground") and the replication playground's hub and replicas. The one place that
 * knows those features; ServeFeature only sees ServeSources.
 */
import type { IDisposable } from '../../core/dispose';
import type { TargetRegistry } from '../../core/query/targetRegistry';
import type { ServeCandidate } from '../../core/serve/serveModel';
import type { SqlPort } from '../../core/sql';
import { HUB, type PlaygroundSession } from '../../core/playground/playgroundSession';
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
   * Fires when the replication playground's databases may have changed: the playground was created, re-created
   * (reset, add/remove replica by replay, hub moved), closed, or a replica was added or removed in place. Served
   * keys are then looked up again in `list()`.
   */
  onDidChangePlayground(listener: (open: boolean) => void): IDisposable;
  /** Keys of the replication playground's databases (they follow the playground). */
  isPlaygroundKey(key: string): boolean;
  /** A client of a served database committed writes: redraw what shows that database. */
  databaseChanged(key: string): Promise<void>;
  /**
   * Records writes a client committed on a served playground database as a step of the playground (the SQL of
   * ServedWriteRecorder), so Export Scenario replays them. No-op for other databases.
   */
  recordServed(key: string, sql: string, comment?: string): void;
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
        out.push({
          key: 'hub',
          label: 'Hub',
          description: `replication playground "${session.name}"`,
          open: async () => session.database('hub'),
          beforeTurn: () => session.playground.tickHubClock(),
        });
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
    onDidChangePlayground: (listener) => {
      // a replica added or removed in place changes the session, not the store: follow the session too
      let inner: IDisposable | undefined;
      const follow = (session: PlaygroundSession | undefined) => {
        inner?.dispose();
        let count = session?.playground.replicas.length;
        inner = session?.onDidChange(() => {
          if (session.playground.replicas.length === count) return;
          count = session.playground.replicas.length;
          listener(true);
        });
      };
      follow(replication.store.session);
      const outer = replication.store.onDidChangeSession((session) => {
        follow(session);
        listener(session !== undefined);
      });
      return { dispose: () => (outer.dispose(), inner?.dispose()) };
    },
    isPlaygroundKey: (key) => key === 'hub' || key.startsWith('replica:'),
    databaseChanged: async (key) => {
      const session = replication.store.session;
      // the tree renders snapshots; the session's own panels refresh on its next change
      if (session && (key === 'hub' || key.startsWith('replica:'))) replication.tree.show(await session.snapshot());
    },
    recordServed: (key, sql, comment) => {
      const session = replication.store.session;
      if (!session) return;
      if (key === 'hub') session.recordServed(HUB, sql, comment);
      else if (key.startsWith('replica:')) session.recordServed(key.slice('replica:'.length), sql, comment);
    },
  };
}
