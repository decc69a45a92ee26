import * as vscode from 'vscode';
import { CommandIds } from '../commandIds';

/** Which target a document runs on, and whether a `-- target:` comment pinned it. */
export interface TargetChoice {
  readonly label: string;
  readonly pinned: boolean;
  /** A pinned name no registered target answers to. */
  readonly unknown?: string;
}

/**
 * Shows the target of the active SQL editor in the status bar and as a CodeLens above the first line
 * (Run Query · target · Change Target).
 */
export class TargetStatus implements vscode.CodeLensProvider, vscode.Disposable {
  readonly #item = vscode.window.createStatusBarItem('syncPlayground.queryTarget', vscode.StatusBarAlignment.Left, 50);
  readonly #lensChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.#lensChanged.event;
  readonly #subs: vscode.Disposable[] = [];

  constructor(private readonly choiceFor: (document: vscode.TextDocument) => TargetChoice) {
    this.#item.name = 'SQL target';
    this.#item.command = CommandIds.chooseTarget;
    this.#subs.push(
      vscode.languages.registerCodeLensProvider({ language: 'sql' }, this),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && e.contentChanges.some((c) => c.range.start.line === 0) && this.refresh()),
    );
    this.refresh();
  }

  refresh(): void {
    this.#lensChanged.fire();
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'sql') {
      this.#item.hide();
      return;
    }
    const c = this.choiceFor(doc);
    this.#item.text = `$(database) ${c.unknown ? `${c.unknown} (unknown)` : c.label}${c.pinned ? ' $(pinned)' : ''}`;
    this.#item.tooltip = c.unknown
      ? `This file pins "${c.unknown}", which is not a known target. Click to choose one.`
      : c.pinned
        ? `SQL runs on ${c.label} (pinned by the file's first-line "-- target:" comment)`
        : `SQL runs on ${c.label}. Click to choose another target.`;
    this.#item.show();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const c = this.choiceFor(document);
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: '$(play) Run Query', command: CommandIds.runQuery }),
      new vscode.CodeLens(top, {
        title: c.unknown ? `$(warning) unknown target "${c.unknown}"` : `$(database) ${c.label}${c.pinned ? ' (pinned)' : ''}`,
        command: CommandIds.chooseTarget,
        tooltip: 'Choose the database this SQL runs on',
      }),
    ];
  }

  dispose(): void {
    this.#item.dispose();
    this.#lensChanged.dispose();
    for (const s of this.#subs) s.dispose();
  }
}
