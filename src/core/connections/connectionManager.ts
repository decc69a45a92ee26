/**
 * Open connections to saved servers: one pool per (profile, database), opened on first use and shared by the
 * explorer, the replication monitor and the SQL runner. Editing or removing a profile closes its pools, so
 * the next use connects with the new settings.
 */
import { Disposable, toDisposable, type IDisposable } from '../dispose';
import { Emitter } from '../emitter';
import { InvalidInputError } from '../errors';
import type { ConnectError } from './connectError';
import type { ConnectionDriver, ConnectionOptions, OpenConnection } from './connectionDriver';
import type { ConnectionProfile } from './profile';
import type { ProfileStore } from './profileStore';

/** An open pool, with the profile it was opened for. */
export interface Connection {
  readonly profile: ConnectionProfile;
  readonly database: string;
  readonly open: OpenConnection;
}

/** A connection broke while idle (the next use reconnects). */
export interface LostConnection {
  readonly profile: ConnectionProfile;
  readonly database: string;
  readonly error: ConnectError;
}

interface Entry {
  readonly profileJson: string;
  readonly profileId: string;
  readonly opening: Promise<Connection>;
  sub?: IDisposable;
}

export class ConnectionManager extends Disposable {
  readonly #entries = new Map<string, Entry>();
  readonly #lost = this._register(new Emitter<LostConnection>());
  /** A pooled connection broke while idle. */
  readonly onDidLoseConnection = this.#lost.event;

  constructor(
    private readonly store: ProfileStore,
    private readonly driver: ConnectionDriver,
    private readonly options: () => ConnectionOptions,
  ) {
    super();
    this._register(store.onDidChange(() => void this.#closeStale()));
    this._register(toDisposable(() => void this.closeAll()));
  }

  /**
   * The pool for `database` (default: the profile's own) of a saved connection, opening it on first use.
   * A failed open is not cached: the next call tries again.
   */
  async connect(profileId: string, database?: string, signal?: AbortSignal): Promise<Connection> {
    const profile = this.store.get(profileId);
    if (!profile) throw new InvalidInputError(`There is no saved connection with id ${profileId}.`, 'id');
    const db = database ?? profile.database;
    const key = `${profileId}\u0000${db}`;
    const json = JSON.stringify(profile);
    const existing = this.#entries.get(key);
    if (existing && existing.profileJson === json) return existing.opening;
    if (existing) this.#drop(key);

    const entry: Entry = {
      profileJson: json,
      profileId,
      opening: (async () => {
        const password = await this.store.password(profileId);
        const open = await this.driver.open(profile, password, this.options(), db, signal);
        return { profile, database: db, open };
      })(),
    };
    this.#entries.set(key, entry);
    try {
      const c = await entry.opening;
      entry.sub = c.open.onDidLose((error) => this.#lost.fire({ profile, database: db, error }));
      if (this.#entries.get(key) !== entry) c.open.dispose(); // closed or replaced while opening
      return c;
    } catch (e) {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      throw e;
    }
  }

  /** Whether a pool of this profile is open (or opening). */
  isOpen(profileId: string): boolean {
    return [...this.#entries.values()].some((e) => e.profileId === profileId);
  }

  /** Closes every pool of a profile (the next use reconnects). */
  disconnect(profileId: string): void {
    for (const [key, e] of this.#entries) if (e.profileId === profileId) this.#drop(key);
  }

  /** Closes pools whose profile changed or went (after the settings changed outside the store). */
  closeStale(): void {
    this.#closeStale();
  }

  closeAll(): void {
    for (const key of [...this.#entries.keys()]) this.#drop(key);
  }

  #closeStale(): void {
    const current = new Map(this.store.list().profiles.map((p) => [p.id, JSON.stringify(p)]));
    for (const [key, e] of this.#entries) if (current.get(e.profileId) !== e.profileJson) this.#drop(key);
  }

  #drop(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    e.opening.then(
      (c) => {
        e.sub?.dispose();
        c.open.dispose();
      },
      () => undefined, // it never opened: nothing to close
    );
  }
}
