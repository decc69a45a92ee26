/**
 * Saved connections as targets the SQL runner can run on. The runner (src/core/query) registers these next to
 * the embedded database; this keeps the runner free of profiles, pools and secrets.
 */
import type { SqlPort } from '../sql';
import type { ConnectionManager } from './connectionManager';
import { describeTarget } from './profile';
import type { ProfileStore } from './profileStore';

/** One database of one saved connection, as a place to run SQL. */
export interface ConnectionTarget {
  /** `connection:<profile id>/<database>`: stable across renames. */
  readonly id: string;
  readonly profileId: string;
  readonly database: string;
  /**
   * What the runner shows and a `-- target:` comment names: the profile's name for its own database
   * (`staging`), `staging · reports` for another database of the same server.
   */
  readonly label: string;
  /** `user@host:port/database`, never a password. */
  readonly detail: string;
  readonly readOnly: boolean;
  /** The pooled port, connecting on first use; `signal` cancels a connect that hangs. */
  port(signal?: AbortSignal): Promise<SqlPort>;
}

/** The target for a profile's database (default: the profile's own). Undefined when there is no such profile. */
export function connectionTarget(store: ProfileStore, manager: ConnectionManager, profileId: string, database?: string): ConnectionTarget | undefined {
  const profile = store.get(profileId);
  if (!profile) return undefined;
  const db = database ?? profile.database;
  return {
    id: `connection:${profile.id}/${db}`,
    profileId: profile.id,
    database: db,
    label: db === profile.database ? profile.name : `${profile.name} · ${db}`,
    detail: describeTarget(profile, db),
    readOnly: profile.readOnly === true,
    port: async (signal) => (await manager.connect(profile.id, db, signal)).open.port,
  };
}

/** A target for every saved connection (its default database). */
export function connectionTargets(store: ProfileStore, manager: ConnectionManager): ConnectionTarget[] {
  return store.list().profiles.map((p) => connectionTarget(store, manager, p.id)!);
}
