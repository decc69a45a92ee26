import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Disposable } from '../../core/dispose';
import { Emitter } from '../../core/emitter';
import { HUB, PlaygroundSession, type PlaygroundDatabases } from '../../core/playground/playgroundSession';
import type { PlaygroundSetup } from '../../core/playground/playgroundSetup';
import type { PlaygroundRecording } from '../../core/scenario/exportScenario';
import type { SqlPort } from '../../core/sql';
import { PlaygroundDatabaseFolders } from '../../db/playgroundDatabases';
import { openPgliteWorker } from '../../db/worker/openPgliteWorker';
import type { Log } from '../log';

const RECORDING = 'recording.json';

/** How the store runs its embedded databases; read each time they are needed (settings). */
export interface PlaygroundStoreOptions {
  /** Keep blank databases started for the next Create or Reset (syncPlayground.performance.prewarmDatabases). */
  readonly prewarm: () => boolean;
  /** Stop a database's worker after this many ms unused; 0 = never (syncPlayground.performance.closeIdleDatabasesMinutes). */
  readonly idleCloseMs: () => number;
}

/**
 * The one playground of this VS Code profile: its databases under `<globalStorage>/playground/db/<hub|replica>`
 * (each PGlite in its own worker thread, so the extension host never stalls; see src/db/playgroundDatabases.ts),
 * and its recording next to them, saved after every change so the playground is there again after a restart.
 */
export class PlaygroundStore extends Disposable {
  readonly #onDidChangeSession = this._register(new Emitter<PlaygroundSession | undefined>());
  /** A playground was created, opened, replaced or closed. */
  readonly onDidChangeSession = this.#onDidChangeSession.event;
  #session: PlaygroundSession | undefined;
  #saveSub: { dispose(): void } | undefined;
  #saving: Promise<void> = Promise.resolve();
  readonly #folders: PlaygroundDatabaseFolders;

  constructor(
    private readonly folder: string,
    private readonly log: Log,
    options: PlaygroundStoreOptions = { prewarm: () => true, idleCloseMs: () => 0 },
  ) {
    super();
    this.#folders = new PlaygroundDatabaseFolders({ root: path.join(folder, 'db'), prewarm: options.prewarm, idleCloseMs: options.idleCloseMs });
  }

  get session(): PlaygroundSession | undefined {
    return this.#session;
  }

  /**
   * The hub on a PostgreSQL server instead of PGlite next to the replicas (set by remoteHubFeature); read each
   * time a playground opens its databases, so a change takes effect on the next create, replay or restore.
   */
  remoteHub: { open(fresh: boolean): Promise<SqlPort> } | undefined;

  /** The playground's databases on disk (or the remote hub); `fresh` deletes the stored one first. */
  readonly databases: PlaygroundDatabases = {
    open: (name, fresh) => (name === HUB && this.remoteHub ? this.remoteHub.open(fresh) : this.#folders.open(name, fresh)),
  };

  /**
   * Starts blank databases in the background so the next Create or Reset claims them at once (unless switched
   * off). Call when a playground is about to be made; the store also calls it after opening one.
   */
  prewarm(): void {
    void this.#folders.prewarm();
  }

  /** An in-memory database from the template, for "what if" replays. */
  readonly openScratch = (): Promise<SqlPort> => openPgliteWorker({ relaxedDurability: true });

  /** True when a playground was saved (it can be re-opened). */
  async hasStored(): Promise<boolean> {
    return (await this.#readRecording()) !== undefined;
  }

  /** Re-opens the stored playground, if there is one. */
  async restore(): Promise<PlaygroundSession | undefined> {
    const rec = await this.#readRecording();
    if (!rec || this.#session) return this.#session;
    const session = await this.#install(await PlaygroundSession.open(rec, this.databases));
    this.prewarm(); // after, not during: spares starting now would slow the reopen down
    return session;
  }

  /** Replaces the playground (if any) with a new one. */
  async create(setup: PlaygroundSetup): Promise<PlaygroundSession> {
    await this.close();
    // spares still starting are waited for rather than duplicated; claimed ones are refilled a little later
    this.prewarm();
    return this.#install(await PlaygroundSession.create(setup, this.databases));
  }

  /** Replaces the playground with one that replays `recording` (add/remove replica, reset). */
  async replay(recording: PlaygroundRecording): Promise<PlaygroundSession> {
    await this.close();
    this.prewarm(); // a replay starts with a create (see create)
    return this.#install(await PlaygroundSession.replay(recording, this.databases));
  }

  /** Closes the playground (its databases stay on disk unless `forget`). */
  async close(forget = false): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    this.#saveSub?.dispose();
    if (s) {
      await this.#saving;
      await s.close();
      this.#onDidChangeSession.fire(undefined);
    }
    if (forget) {
      await this.#folders.closeAll(); // the spares live under the folder too
      await rm(this.folder, { recursive: true, force: true });
    }
  }

  async #install(session: PlaygroundSession): Promise<PlaygroundSession> {
    this.#session = session;
    this.#saveSub = session.onDidChange(() => this.#save(session));
    this.#save(session);
    this.#onDidChangeSession.fire(session);
    return session;
  }

  #save(session: PlaygroundSession): void {
    // saves are chained so an older recording never overwrites a newer one
    this.#saving = this.#saving
      .then(async () => {
        await mkdir(this.folder, { recursive: true });
        await writeFile(path.join(this.folder, RECORDING), JSON.stringify(session.recording(), null, 1));
      })
      .catch((e) => this.log.error('saving the playground recording failed', e));
  }

  async #readRecording(): Promise<PlaygroundRecording | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.folder, RECORDING), 'utf8')) as PlaygroundRecording;
    } catch {
      return undefined;
    }
  }

  /** Closes the playground and stops every database worker, spares included (nothing of the store keeps running). */
  async shutdown(): Promise<void> {
    await this.close().finally(() => this.#folders.closeAll());
  }

  override dispose(): void {
    void this.shutdown();
    super.dispose();
  }
}
