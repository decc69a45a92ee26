/**
 * The vscode-free model of "Serve on localhost": which databases are served, on which port, with how many
 * clients, and the "database changed" event the replication session subscribes to.
 */
import type { IDisposable } from '../dispose';

/** A client of the localhost server committed writes: the database's tables (and a replica's queue) changed. */
export interface DatabaseChange {
  /** Command tags of the committed transactions, e.g. ["BEGIN", "INSERT 0 1", "COMMIT"]. */
  readonly tags: readonly string[];
  /**
   * The client's committed writes as the SQL of a scenario step (see ServedWriteRecorder): what Export Scenario
   * replays. Absent when nothing could be recorded.
   */
  readonly sql?: string;
  /** Why some committed writes could not be recorded (e.g. COPY FROM STDIN): an exported scenario misses them. */
  readonly unrecorded?: readonly string[];
  /** The client's application_name, when it gave one (psql, a driver, your app). */
  readonly client?: string;
}

/** A database that can be served: the playground database, the hub, a replica, … */
export interface ServeCandidate {
  /** Stable key, e.g. "playground", "hub", "replica:A". One server per key. */
  readonly key: string;
  /** Shown in pickers and messages, e.g. "Replica A". */
  readonly label: string;
  readonly description?: string;
}

/** A running server, as the manager and the UI see it (the db layer's WireServer satisfies this). */
export interface ServedHandle {
  readonly port: number;
  /** Includes the password: show and copy it, never log it. */
  readonly connectionString: string;
  readonly clientCount: number;
  readonly onDidChangeDatabase: (listener: (change: DatabaseChange) => void) => IDisposable;
  readonly onDidChangeClients: (listener: (count: number) => void) => IDisposable;
  /** Disconnects the clients with `message` (FATAL 57P01) and keeps listening. */
  disconnectClients(message: string): Promise<void>;
  stop(): Promise<void>;
}

/** One served database. */
export interface ServedDatabase {
  readonly candidate: ServeCandidate;
  readonly server: ServedHandle;
}

/** Fired by the manager: a served database changed (key and what ran). Subscribe to refresh views. */
export interface ServedDatabaseChange extends DatabaseChange {
  readonly key: string;
}
