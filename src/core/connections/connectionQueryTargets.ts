/**
 * Keeps the SQL runner's target list in step with the saved connections: every connection's own database is a
 * target from the start (so Choose Target lists it and `-- target: <name>` pins find it), other databases of a
 * server become targets when someone uses them (browses or runs SQL on them). Editing or removing a profile
 * re-registers or drops its targets.
 */
import { Disposable, toDisposable, type IDisposable } from '../dispose';
import type { QueryTarget, TargetRegistry } from '../query/targetRegistry';
import type { ConnectionManager } from './connectionManager';
import { connectionTarget, type ConnectionTarget } from './connectionTargets';
import type { ProfileStore } from './profileStore';

/** A saved connection's database in the shape the SQL runner takes. */
export function toQueryTarget(t: ConnectionTarget): QueryTarget {
  return {
    id: t.id,
    label: t.label,
    description: `${t.detail}${t.readOnly ? ' · read-only' : ''}`,
    open: () => t.port(),
  };
}

export class ConnectionQueryTargets extends Disposable {
  /** Registered targets by id, with the profile JSON they were built from (to notice edits). */
  readonly #registered = new Map<string, { profileId: string; database: string; json: string; reg: IDisposable }>();

  constructor(
    private readonly store: ProfileStore,
    private readonly manager: ConnectionManager,
    private readonly registry: TargetRegistry,
  ) {
    super();
    this._register(store.onDidChange(() => this.#sync()));
    this._register(toDisposable(() => this.#clear()));
    this.#sync();
  }

  /**
   * The target for a database of a saved connection (default: its own), registered if it was not yet.
   * Undefined when there is no such profile.
   */
  ensure(profileId: string, database?: string): ConnectionTarget | undefined {
    const t = connectionTarget(this.store, this.manager, profileId, database);
    if (!t) return undefined;
    const profile = this.store.get(profileId)!;
    const json = JSON.stringify(profile);
    const existing = this.#registered.get(t.id);
    if (existing?.json === json) return t;
    existing?.reg.dispose();
    this.#registered.set(t.id, { profileId, database: database ?? profile.database, json, reg: this.registry.register(toQueryTarget(t)) });
    return t;
  }

  /** Re-reads the profiles (after the settings changed outside this store, e.g. settings.json edited by hand). */
  refresh(): void {
    this.#sync();
  }

  #sync(): void {
    const profiles = new Map(this.store.list().profiles.map((p) => [p.id, p]));
    for (const [id, r] of [...this.#registered]) {
      const p = profiles.get(r.profileId);
      // a removed profile, or a default database that is no longer the profile's: nothing asked for it on its own
      const wasDefault = (JSON.parse(r.json) as { database: string }).database === r.database;
      if (!p || (wasDefault && p.database !== r.database)) {
        r.reg.dispose();
        this.#registered.delete(id);
      } else {
        this.ensure(r.profileId, r.database); // re-registers after an edit (a rename changes the label)
      }
    }
    for (const p of profiles.values()) this.ensure(p.id);
  }

  #clear(): void {
    for (const r of this.#registered.values()) r.reg.dispose();
    this.#registered.clear();
  }
}
