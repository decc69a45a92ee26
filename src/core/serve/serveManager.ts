/**
 * Which databases are served on localhost. One server per database (candidate key); stopping the playground
 * stops them all. The way a server starts is injected (the db layer's WireServer over a worker database), so this
 * model runs in plain Node.
 */
import { Disposable } from '../dispose';
import { Emitter } from '../emitter';
import type { IDisposable } from '../dispose';
import type { ServeCandidate, ServedDatabase, ServedDatabaseChange, ServedHandle } from './serveModel';

/** Starts serving one candidate on `port` (0 = a free port). */
export type StartServer = (candidate: ServeCandidate, port: number) => Promise<ServedHandle>;

export class ServeManager extends Disposable {
  readonly #served = new Map<string, { served: ServedDatabase; subscriptions: IDisposable[] }>();
  readonly #onDidChange = this._register(new Emitter<readonly ServedDatabase[]>());
  readonly #onDidChangeDatabase = this._register(new Emitter<ServedDatabaseChange>());

  /** The served set or a client count changed: redraw the status bar and the tree. */
  readonly onDidChange = this.#onDidChange.event;
  /**
   * A client of a served database committed writes. The replication session subscribes and refreshes the tree
   * and the inspectors of `key` (its queue grew when the database is a replica).
   */
  readonly onDidChangeDatabase = this.#onDidChangeDatabase.event;

  constructor(private readonly startServer: StartServer) {
    super();
  }

  get served(): readonly ServedDatabase[] {
    return [...this.#served.values()].map((s) => s.served);
  }

  get(key: string): ServedDatabase | undefined {
    return this.#served.get(key)?.served;
  }

  /** Serves `candidate`, or returns the server it already has. */
  async serve(candidate: ServeCandidate, port = 0): Promise<ServedDatabase> {
    const existing = this.#served.get(candidate.key);
    if (existing) return existing.served;
    const server = await this.startServer(candidate, port);
    const served: ServedDatabase = { candidate, server };
    this.#served.set(candidate.key, {
      served,
      subscriptions: [
        server.onDidChangeDatabase((c) => this.#onDidChangeDatabase.fire({ key: candidate.key, ...c })),
        server.onDidChangeClients(() => this.#fireChange()),
      ],
    });
    this.#fireChange();
    return served;
  }

  /** Stops serving `key` (its clients are disconnected, open transactions rolled back). */
  async stop(key: string): Promise<void> {
    const entry = this.#served.get(key);
    if (!entry) return;
    this.#served.delete(key);
    entry.subscriptions.forEach((d) => d.dispose());
    await entry.served.server.stop();
    this.#fireChange();
  }

  /** Stops every server: when the playground stops, and on deactivation. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#served.keys()].map((k) => this.stop(k)));
  }

  #fireChange(): void {
    this.#onDidChange.fire(this.served);
  }

  override dispose(): void {
    void this.stopAll();
    super.dispose();
  }
}
