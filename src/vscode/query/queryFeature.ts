import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RowsPage, RunSnapshot } from '../../protocol/resultsModel';
import { QueryConsole } from '../../core/query/queryConsole';
import { QueryHistory } from '../../core/query/queryHistory';
import type { QueryRun } from '../../core/query/queryRun';
import { splitStatements, statementAt, type SplitStatement } from '../../core/query/splitStatements';
import { pinnedTargetName, TargetRegistry, type QueryTarget } from '../../core/query/targetRegistry';
import { exportStatement } from '../../core/query/exportResult';
import type { SqlPort } from '../../core/sql';
import type { CommandTable } from '../commands';
import type { Log } from '../log';
import type { ResultsBackend, ResultsPanels } from '../results/resultsPanel';
import { failureDiagnostic } from './queryDiagnostics';
import { TargetStatus, type TargetChoice } from './targetStatus';
import { pickFromHistory } from './historyPick';

export const PLAYGROUND_TARGET_ID = 'playground';

/** Handles for the in-VS Code tests. */
export interface QueryApi {
  readonly targets: TargetRegistry;
  /** The last run's final snapshot (or the running one). */
  lastRun(): RunSnapshot | undefined;
  /** Resolves when the run in progress (if any) has finished. */
  idle(): Promise<void>;
}

interface Deps {
  readonly context: vscode.ExtensionContext;
  readonly log: Log;
  /** The results panels (built after this feature: they take its backend). */
  readonly results: () => ResultsPanels;
  /** Opens the embedded playground database (persisted under global storage). */
  readonly openPlayground: () => Promise<SqlPort>;
}

/** One run as the feature tracks it: where it ran, its statements in the document, the console it used. */
interface Tracked {
  readonly run: QueryRun;
  readonly target: QueryTarget;
  readonly statements: readonly SplitStatement[];
  readonly document: vscode.TextDocument | undefined;
}

/**
 * The SQL playground in VS Code: the commands (run query / statement at cursor, cancel, choose target, history),
 * the target in the status bar and CodeLens, errors as diagnostics, and the results panel's backend.
 */
export class QueryFeature implements vscode.Disposable {
  readonly targets = new TargetRegistry();
  readonly #consoles = new Map<string, QueryConsole>();
  /** The registered target each console was opened for (undefined: an unregistered one, e.g. from runOn). */
  readonly #consoleFor = new WeakMap<QueryConsole, QueryTarget | undefined>();
  readonly #runs = new Map<string, Tracked>();
  #last: Tracked | undefined;
  readonly #diagnostics = vscode.languages.createDiagnosticCollection('syncPlayground.sql');
  readonly #history: QueryHistory;
  readonly #status: TargetStatus;
  readonly #subs: vscode.Disposable[] = [];
  #playground: Promise<SqlPort> | undefined;

  constructor(private readonly deps: Deps) {
    const storage = deps.context.globalStorageUri.fsPath;
    this.#history = new QueryHistory(path.join(storage, 'query-history.jsonl'), setting('query.historySize', 1000));
    this.#subs.push(
      toVs(
        this.targets.register({
          id: PLAYGROUND_TARGET_ID,
          label: 'Playground (PGlite)',
          description: 'embedded PostgreSQL, kept in the extension storage',
          open: () => (this.#playground ??= deps.openPlayground().catch((e) => ((this.#playground = undefined), Promise.reject(e)))),
        }),
      ),
    );
    this.#status = new TargetStatus((doc) => this.#choice(doc));
    this.#subs.push(this.#status, this.#diagnostics, toVs({ dispose: () => void this.#closeConsoles() }));
    this.#subs.push(toVs(this.targets.onDidChange(() => this.#status.refresh())));
    // a target replaced or removed (a saved connection edited, e.g. made read-only): its held session goes too
    this.#subs.push(toVs(this.targets.onDidChange(() => this.#closeStaleConsoles())));
    this.#subs.push(vscode.workspace.onDidChangeTextDocument((e) => this.#diagnostics.delete(e.document.uri)));
  }

  readonly commands: CommandTable = {
    runQuery: () => this.#runFromEditor('script'),
    runStatementAtCursor: () => this.#runFromEditor('statement'),
    cancelQuery: () => this.#cancelCurrent(),
    chooseTarget: () => this.#chooseTarget(),
    showQueryHistory: () => this.#showHistory(),
  };

  readonly backend: ResultsBackend = {
    fetchMore: async (resultId, count) => {
      const t = [...this.#runs.values()].find((r) => r.run.snapshot.statements.some((s) => s.resultId === resultId));
      return t?.run.fetchMore(resultId, count);
    },
    exportResult: (resultId, format) => this.#export(resultId, format),
    cancel: async (runId) => this.#runs.get(runId)?.run.cancel(),
    rerun: async (runId) => {
      const t = this.#runs.get(runId);
      if (!t) throw new Error('That run is no longer known; run the query again from the editor.');
      await this.#start(t.target, t.statements, t.document);
    },
  };

  readonly api: QueryApi = {
    targets: this.targets,
    lastRun: () => this.#last?.run.snapshot,
    idle: async () => void (await this.#last?.run.done),
  };

  /**
   * Runs SQL on a target another feature holds (a saved connection's database, a playground database) into the
   * results panel, as Run Query does: paging, cancel, history.
   */
  runOn(target: QueryTarget, sql: string): Promise<void> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new Error('There is no SQL statement to run.');
    return this.#start(target, statements, undefined);
  }

  /** The current target id (workspace choice), default the playground. */
  get #chosenId(): string {
    return this.deps.context.workspaceState.get<string>('syncPlayground.query.target') ?? PLAYGROUND_TARGET_ID;
  }

  #choice(doc: vscode.TextDocument): TargetChoice {
    const pinned = pinnedTargetName(doc.lineCount > 0 ? doc.lineAt(0).text : '');
    if (pinned) {
      const t = this.targets.find(pinned);
      return t ? { label: t.label, pinned: true } : { label: pinned, pinned: true, unknown: pinned };
    }
    return { label: (this.targets.get(this.#chosenId) ?? this.targets.get(PLAYGROUND_TARGET_ID))!.label, pinned: false };
  }

  #targetFor(doc: vscode.TextDocument): QueryTarget {
    const pinned = pinnedTargetName(doc.lineCount > 0 ? doc.lineAt(0).text : '');
    if (pinned) {
      const t = this.targets.find(pinned);
      if (!t) {
        const known = this.targets.list().map((x) => `"${x.label}"`).join(', ');
        throw new Error(`This file's first line pins the target "${pinned}", which is not known. Known targets: ${known}.`);
      }
      return t;
    }
    return this.targets.get(this.#chosenId) ?? this.targets.get(PLAYGROUND_TARGET_ID)!;
  }

  async #runFromEditor(what: 'script' | 'statement'): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new Error('Open a SQL file (or select SQL) to run it.');
    const doc = editor.document;
    let statements: SplitStatement[];
    if (what === 'statement') {
      const one = statementAt(splitStatements(doc.getText()), doc.offsetAt(editor.selection.active));
      statements = one ? [one] : [];
    } else if (!editor.selection.isEmpty) {
      const base = doc.offsetAt(editor.selection.start);
      statements = splitStatements(doc.getText(editor.selection)).map((s) => ({ ...s, start: s.start + base, end: s.end + base }));
    } else {
      statements = splitStatements(doc.getText());
    }
    if (statements.length === 0) throw new Error('There is no SQL statement to run here.');
    await this.#start(this.#targetFor(doc), statements, doc);
  }

  async #start(target: QueryTarget, statements: readonly SplitStatement[], document: vscode.TextDocument | undefined): Promise<void> {
    if (document) this.#diagnostics.delete(document.uri);
    let qc = this.#consoles.get(target.id);
    if (!qc) {
      const { openQuerySession } = await import('../../db/query/openQuerySession.js');
      qc = new QueryConsole(async () => openQuerySession(await target.open(), { statementTimeoutMs }));
      this.#consoles.set(target.id, qc);
      this.#consoleFor.set(qc, this.targets.get(target.id));
    }
    const panel = this.deps.results().show();
    const listener = {
      onSnapshot: (s: RunSnapshot) => this.deps.results().current?.showRun(s),
      onRows: (p: RowsPage) => this.deps.results().current?.appendRows(p),
    };
    void panel;
    const run = await qc.run(statements, { target: target.label, rowCap: setting('results.rowCap', 10_000) }, listener);
    const tracked: Tracked = { run, target, statements, document };
    this.#runs.set(run.runId, tracked);
    this.#last = tracked;
    while (this.#runs.size > 20) this.#runs.delete(this.#runs.keys().next().value!);
    void vscode.commands.executeCommand('setContext', 'syncPlayground.queryRunning', true);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Running SQL on ${target.label}`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => void this.#cancel(tracked));
        await run.done;
      },
    );
    void vscode.commands.executeCommand('setContext', 'syncPlayground.queryRunning', false);
    await this.#finished(tracked, await run.done);
  }

  async #finished(t: Tracked, s: RunSnapshot): Promise<void> {
    if (s.error && t.document) {
      const st = t.statements[s.error.index];
      if (st) this.#diagnostics.set(t.document.uri, [failureDiagnostic(t.document, st, s.error)]);
    }
    const withRows = [...s.statements].reverse().find((x) => x.columns.length > 0);
    try {
      await this.#history.add({
        id: s.runId,
        sql: t.statements.map((x) => x.sql).join(';\n'),
        targetId: t.target.id,
        target: t.target.label,
        at: s.startedAt,
        durationMs: s.durationMs ?? 0,
        state: s.state === 'running' ? 'done' : s.state,
        ...(withRows ? { rows: Number(/\d+$/.exec(withRows.commandTag)?.[0] ?? withRows.rowsLoaded) } : {}),
        ...(s.error ? { error: `${s.error.code ? `${s.error.code}: ` : ''}${s.error.message}` } : {}),
      });
    } catch (e) {
      this.deps.log.error('could not write the query history', e);
    }
    this.deps.log.info(`query on ${t.target.label}: ${s.state} in ${s.durationMs} ms, ${s.statements.length} statement(s)`);
  }

  async #cancel(t: Tracked): Promise<void> {
    if (t.run.snapshot.state !== 'running') return;
    // what happened to a stopped statement shows in the results (the database's cancel error); a database that
    // cannot stop one (in memory) is said here, or the user would wonder why the statement goes on
    if (t.run.cancelBehaviour === 'between-statements') {
      void vscode.window.showInformationMessage(
        `Cancelling on ${t.target.label}: this database cannot stop a running statement (an in-memory embedded database would be lost), so the current statement runs to its end; the remaining statements are skipped.`,
      );
    }
    await t.run.cancel();
  }

  async #cancelCurrent(): Promise<void> {
    const t = this.#last;
    if (!t || t.run.snapshot.state !== 'running') {
      void vscode.window.showInformationMessage('No query is running.');
      return;
    }
    await this.#cancel(t);
  }

  async #chooseTarget(): Promise<void> {
    const items = this.targets.list().map((t) => ({ label: t.label, description: t.description ?? '', detail: t.id === this.#chosenId ? 'current' : undefined, id: t.id }));
    const pick = await vscode.window.showQuickPick(items, { title: 'Run SQL on…', placeHolder: 'Choose the database SQL runs on (a file can pin one: -- target: name)' });
    if (!pick) return;
    await this.deps.context.workspaceState.update('syncPlayground.query.target', pick.id);
    this.#status.refresh();
  }

  async #showHistory(): Promise<void> {
    const entry = await pickFromHistory(this.#history);
    if (!entry) return;
    const target = this.targets.get(entry.targetId);
    if (!target) throw new Error(`"${entry.target}" is not available any more. Open the SQL from the history and choose another target.`);
    await this.#start(target, splitStatements(entry.sql), undefined);
  }

  async #export(resultId: string, format: 'csv' | 'json'): Promise<void> {
    const t = [...this.#runs.values()].find((r) => r.run.snapshot.statements.some((s) => s.resultId === resultId));
    const st = t?.run.snapshot.statements.find((s) => s.resultId === resultId);
    if (!t || !st) throw new Error('That result is no longer known; run the query again to export it.');
    const uri = await vscode.window.showSaveDialog({
      title: `Export all rows of statement ${st.index + 1} (it runs again)`,
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', `result.${format}`)),
    });
    if (!uri) return;
    const { openQuerySession } = await import('../../db/query/openQuerySession.js');
    // a session of its own: on pg another connection (it sees committed data); PGlite has one connection anyway
    const session = await openQuerySession(await t.target.open(), { statementTimeoutMs });
    try {
      const rows = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Exporting to ${path.basename(uri.fsPath)}`, cancellable: true },
        (progress, token) =>
          exportStatement(session, st.sql, {
            format,
            file: uri.fsPath,
            onProgress: (n) => progress.report({ message: `${n.toLocaleString()} rows` }),
            isCancelled: () => token.isCancellationRequested,
          }),
      );
      if (rows !== undefined) void vscode.window.showInformationMessage(`Exported ${rows.toLocaleString()} rows to ${uri.fsPath}.`);
    } finally {
      await session.release();
    }
  }

  #closeStaleConsoles(): void {
    for (const [id, qc] of this.#consoles) {
      if (this.#consoleFor.get(qc) === this.targets.get(id)) continue;
      this.#consoles.delete(id);
      void qc.close().catch(() => undefined);
    }
  }

  async #closeConsoles(): Promise<void> {
    const all = [...this.#consoles.values()];
    this.#consoles.clear();
    await Promise.all(all.map((c) => c.close().catch(() => undefined)));
  }

  dispose(): void {
    for (const s of this.#subs) s.dispose();
  }
}

/** Embedded databases (servers enforce theirs on the connection): syncPlayground.statementTimeoutSeconds. */
const statementTimeoutMs = (): number => Math.max(0, setting('statementTimeoutSeconds', 0)) * 1000;

function setting<T>(key: string, fallback: T): T {
  return vscode.workspace.getConfiguration('syncPlayground').get<T>(key) ?? fallback;
}

const toVs = (d: { dispose(): unknown }): vscode.Disposable => new vscode.Disposable(() => void d.dispose());
