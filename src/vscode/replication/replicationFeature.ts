import * as vscode from 'vscode';
import * as path from 'node:path';
import { Disposable } from '../../core/dispose';
import { HUB, type PlaygroundSession } from '../../core/playground/playgroundSession';
import { ScenarioPlayer, stepText } from '../../core/playground/scenarioPlayer';
import type { Scenario } from '../../core/scenario/scenarioModel';
import type { PlaygroundSnapshot } from '../../core/playground/playgroundSnapshot';
import type { QueryTarget, TargetRegistry } from '../../core/query/targetRegistry';
import { isInterruptible, type InterruptibleDatabase, type QueryResult, type SqlPort } from '../../core/sql';
import type { CommandTable } from '../commands';
import type { Log } from '../log';
import { ConflictsPanel } from './conflictsPanel';
import { PlaygroundStore } from './playgroundStore';
import { QueuePanel } from './queuePanel';
import { replicationCommands } from './replicationCommands';
import { ReplicationTree } from './replicationTree';
import { SnapshotPusher } from './snapshotPusher';
import { PlaygroundStatusBar } from './statusBar';
import { TimelinePanel } from './timelinePanel';

/** The view id of the Replication section in the Sync Playground sidebar. */
export const REPLICATION_VIEW = 'syncPlayground.replication';
/** Context key: a playground is open (welcome view vs tree, menus). */
const HAS_PLAYGROUND = 'syncPlayground.hasPlayground';
const STEPPING = 'syncPlayground.stepping';

/** The SQL runner, when there is one: the hub and replicas become its targets, and SQL runs into the results panel. */
export interface SqlRunner {
  readonly targets: TargetRegistry;
  runOn(target: QueryTarget, sql: string): Promise<void>;
}

/**
 * The replication UI: the playground store, the sidebar tree, the status bar, the three panels and the commands.
 * One playground at a time; its lifetime is the store's session, the panels' lifetime is the session's.
 */
export class ReplicationFeature extends Disposable {
  readonly store: PlaygroundStore;
  readonly tree = new ReplicationTree();
  readonly commands: CommandTable;
  #conflicts: ConflictsPanel | undefined;
  #queue: QueuePanel | undefined;
  #timeline: TimelinePanel | undefined;
  #pusher: SnapshotPusher<PlaygroundSnapshot> | undefined;
  #sessionSub: vscode.Disposable | undefined;
  readonly #statusBar: PlaygroundStatusBar;
  #player: ScenarioPlayer | undefined;
  /** Panels that were open when the playground closed, to show again on the next one. */
  #reopen: { conflicts: boolean; queue: string | undefined; timeline: boolean } | undefined;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: Log,
    readonly runner?: SqlRunner,
  ) {
    super();
    const performance = () => vscode.workspace.getConfiguration('syncPlayground.performance');
    this.store = this._register(
      new PlaygroundStore(path.join(context.globalStorageUri.fsPath, 'playground'), log, {
        prewarm: () => performance().get<boolean>('prewarmDatabases', true),
        idleCloseMs: () => Math.max(0, performance().get<number>('closeIdleDatabasesMinutes', 10)) * 60_000,
      }),
    );
    const view = this._register(vscode.window.createTreeView(REPLICATION_VIEW, { treeDataProvider: this.tree, showCollapseAll: true }));
    // the saved playground opens when someone looks at it, not at activation (activation stays cheap)
    const restore = () => void this.restore().catch((e) => log.error('re-opening the saved playground failed', e));
    this._register(view.onDidChangeVisibility((e) => e.visible && restore()));
    if (view.visible) restore();
    this._register(this.tree);
    this.#statusBar = this._register(new PlaygroundStatusBar());
    this._register(this.store.onDidChangeSession((s) => this.#attach(s)));
    this.commands = replicationCommands(this);
    void vscode.commands.executeCommand('setContext', HAS_PLAYGROUND, false);
  }

  /** Re-opens the playground saved by a previous session, if any (called lazily, e.g. when the view opens). */
  async restore(): Promise<void> {
    if (this.store.session || !(await this.store.hasStored())) return;
    await vscode.window.withProgress({ location: { viewId: REPLICATION_VIEW } }, () => this.store.restore());
  }

  /** The open playground, or a clear error telling the person how to get one. */
  requireSession(): PlaygroundSession {
    const s = this.store.session;
    if (!s) throw new Error('There is no playground yet. Run "Sync Playground: Create Playground" first.');
    return s;
  }

  /** The scenario being played step by step in the open playground, if any. */
  get player(): ScenarioPlayer | undefined {
    return this.#player;
  }

  /** Plays `scenario` step by step in the (new) playground `session`. */
  playScenario(scenario: Scenario, session: PlaygroundSession): ScenarioPlayer {
    this.#player?.dispose();
    const player = new ScenarioPlayer(scenario, session);
    this.#player = player;
    const show = () =>
      this.tree.showScenario(
        this.#player === player
          ? { name: scenario.name, position: player.position, total: scenario.steps.length, next: player.nextStep && stepText(player.nextStep) }
          : undefined,
      );
    player.onDidChange(show);
    show();
    return player;
  }

  get conflictsPanel(): ConflictsPanel | undefined {
    return this.#conflicts;
  }

  showConflicts(id?: number): ConflictsPanel {
    const session = this.requireSession();
    if (!this.#conflicts) {
      this.#conflicts = new ConflictsPanel(this.context.extensionUri, this.log, session, this.store.openScratch);
      this.#conflicts.onDidDispose(() => (this.#conflicts = undefined));
    } else this.#conflicts.reveal();
    if (id !== undefined) this.#conflicts.inspector.select(id);
    return this.#conflicts;
  }

  showQueue(replica: string): QueuePanel {
    const session = this.requireSession();
    if (!this.#queue) {
      this.#queue = new QueuePanel(this.context.extensionUri, this.log, session, replica);
      this.#queue.onDidDispose(() => (this.#queue = undefined));
    } else {
      this.#queue.show(replica);
      this.#queue.reveal();
    }
    return this.#queue;
  }

  showTimeline(): TimelinePanel {
    const session = this.requireSession();
    if (!this.#timeline) {
      this.#timeline = new TimelinePanel(this.context.extensionUri, this.log, session, async (id) => void this.showConflicts(id));
      this.#timeline.onDidDispose(() => (this.#timeline = undefined));
    } else this.#timeline.reveal();
    return this.#timeline;
  }

  /**
   * The hub or a replica as a SQL runner target. Its port follows whichever playground is open (a playground
   * replaced by Add Replica or Reset keeps its targets working). Writes on a replica go through the session, so
   * they are captured with the replica's clock and recorded as steps; reads go straight to the database.
   */
  target(name: string): QueryTarget {
    const id = name === HUB ? 'replication:hub' : `replica:${name}`;
    const db = () => this.requireSession().database(name);
    const write = async (sql: string) => this.requireSession().runSql(name, sql);
    const interruptible = () => {
      const d = db();
      return isInterruptible(d) ? d : undefined;
    };
    // Cancel and the statement timeout stop the SQL runner's statement on this database (its worker restarts)
    const port: SqlPort & InterruptibleDatabase = {
      get canInterrupt() {
        return interruptible()?.canInterrupt ?? false;
      },
      interruptible: (scope, fn) => interruptible()?.interruptible(scope, fn) ?? fn(),
      interrupt: async (scope) => (await interruptible()?.interrupt(scope)) ?? false,
      kind: 'pglite',
      query: async (sql, params) => (params?.length || isRead(sql) ? db().query(sql, params) : ((await write(sql)).at(-1) ?? { rows: [], fields: [] }) as never),
      exec: (sql) => write(sql),
      transaction: (fn) => db().transaction(fn),
      cursor: async (sql, params) => {
        const d = db();
        if (!d.cursor) throw new Error('This database has no cursor.');
        return d.cursor(sql, params);
      },
      close: async () => undefined, // the playground owns its databases
    };
    return { id, label: name === HUB ? 'hub (replication playground)' : `replica ${name}`, description: `replication playground ${this.store.session?.name ?? ''}`.trim(), open: async () => port };
  }

  /** Runs SQL on the hub or a replica and shows the result: in the results panel when there is one. */
  async runSql(name: string, sql: string): Promise<void> {
    const session = this.requireSession();
    session.database(name); // unknown names fail here, with the session's message
    if (this.runner && (name === HUB || isRead(sql))) return this.runner.runOn(this.target(name), sql);
    const results = await session.runSql(name, sql);
    if (!this.runner) {
      const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: `-- ${name}\n${sql}\n\n${results.map(formatResult).join('\n\n')}\n` });
      await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false });
    } else {
      // a replica write: recorded and captured by the session; say what it did without taking focus
      vscode.window.setStatusBarMessage(`$(check) ${name}: ${results.map((r) => `${r.command ?? 'OK'}${r.affectedRows !== undefined ? ` ${r.affectedRows}` : ''}`).join(', ')}`, 5000);
    }
  }

  #attach(session: PlaygroundSession | undefined): void {
    this.#sessionSub?.dispose();
    this.#pusher?.dispose();
    // panels belong to a session: a replaced playground (Add Replica, Reset) gets the same panels back. The store
    // closes the old session (attach undefined) before the new one is ready, so what was open is remembered.
    const open = { conflicts: !!this.#conflicts, queue: this.#queue?.replica, timeline: !!this.#timeline };
    const reopen = open.conflicts || open.queue || open.timeline ? open : (this.#reopen ?? open);
    this.#reopen = session ? undefined : reopen;
    for (const p of [this.#conflicts, this.#queue, this.#timeline]) p?.dispose();
    this.#player?.dispose();
    this.#player = undefined;
    this.tree.showScenario(undefined);
    void vscode.commands.executeCommand('setContext', HAS_PLAYGROUND, !!session);
    if (!session) {
      this.tree.show(undefined);
      this.#statusBar.show(undefined);
      return;
    }
    const pusher = new SnapshotPusher(
      () => session.snapshot(),
      (s) => {
        this.tree.show(s);
        this.#statusBar.show(s);
        void vscode.commands.executeCommand('setContext', STEPPING, !!s?.stepping && !s.stepping.done);
      },
      (e) => this.log.error('playground snapshot failed', e),
    );
    this.#pusher = pusher;
    this.#sessionSub = session.onDidChange(() => pusher.request());
    if (this.runner) {
      const regs = [HUB, ...session.playground.replicas.map((r) => r.name)].map((n) => this.runner!.targets.register(this.target(n)));
      const sub = this.#sessionSub;
      this.#sessionSub = { dispose: () => (sub.dispose(), regs.forEach((r) => r.dispose())) };
    }
    pusher.request();
    if (reopen.timeline) this.showTimeline();
    if (reopen.queue && session.playground.replicas.some((r) => r.name === reopen.queue)) this.showQueue(reopen.queue);
    if (reopen.conflicts) this.showConflicts();
  }

  override dispose(): void {
    this.#sessionSub?.dispose();
    this.#pusher?.dispose();
    for (const p of [this.#conflicts, this.#queue, this.#timeline]) p?.dispose();
    super.dispose();
  }
}

/**
 * Statements that are not steps of a scenario: reads, and the transaction and session control a SQL runner sends.
 * Everything else on a replica is a write to capture (with the replica's clock) and record.
 */
const isRead = (sql: string) => /^\s*(select|table|show|explain|values|begin|start|commit|rollback|end|abort|set|reset|savepoint|release)\b/i.test(sql);

/** A result as text, for when there is no results panel: a command tag, or an aligned table of up to 200 rows. */
export function formatResult(r: QueryResult): string {
  if (!r.fields.length) return `-- ${r.command ?? 'OK'}${r.affectedRows !== undefined ? ` ${r.affectedRows}` : ''}`;
  const cols = r.fields.map((f) => f.name);
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const rows = r.rows.slice(0, 200).map((row) => cols.map((c) => cell(row[c])));
  const widths = cols.map((c, i) => Math.min(40, Math.max(c.length, ...rows.map((x) => x[i]!.length))));
  const line = (xs: string[]) => '-- ' + xs.map((x, i) => x.slice(0, 40).padEnd(widths[i]!)).join(' | ');
  return [line(cols), '-- ' + widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line), `-- (${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`].join('\n');
}
