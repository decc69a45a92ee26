import * as vscode from 'vscode';
import { InvalidInputError } from '../../core/errors';
import { HUB } from '../../core/playground/playgroundSession';
import { exportScenario } from '../../core/scenario/exportScenario';
import { scenarioToJson, type ScenarioStep } from '../../core/scenario/scenarioModel';
import type { CommandTable } from '../commands';
import type { ReplicationFeature } from './replicationFeature';
import type { ReplicationNode } from './replicationTree';
import { linkFromArg, pickLink } from './linkPick';
import { pickRules } from './rulesPick';
import { pickSource } from './scenarioFiles';

/**
 * The replication commands. Each one is thin: find out which replica or conflict it is about (a tree node, a
 * name passed by a test or a walkthrough link, or a quick pick), then call the session.
 */
export function replicationCommands(f: ReplicationFeature): CommandTable {
  /** The replica a command is about: a tree node, a name, or asked for. */
  const replicaOf = async (arg: unknown, title: string, filter?: (online: boolean) => boolean): Promise<string | undefined> => {
    const node = arg as ReplicationNode | string | undefined;
    if (typeof node === 'string') return node;
    if (node?.type === 'database' && node.name !== HUB) return node.name;
    if (node?.type === 'queue' || node?.type === 'queueStatus') return node.replica;
    const replicas = f.requireSession().playground.replicas.filter((r) => !filter || filter(r.online));
    if (replicas.length === 1) return replicas[0]!.name;
    const pick = await vscode.window.showQuickPick(
      replicas.map((r) => ({ label: r.name, description: r.online ? 'online' : 'offline' })),
      { title, placeHolder: 'Replica' },
    );
    return pick?.label;
  };
  const databaseOf = async (arg: unknown, title: string): Promise<string | undefined> => {
    const node = arg as ReplicationNode | string | undefined;
    if (typeof node === 'string') return node;
    if (node?.type === 'database') return node.name;
    if (node?.type === 'table') return node.database;
    const names = [HUB, ...f.requireSession().playground.replicas.map((r) => r.name)];
    return (await vscode.window.showQuickPick(names, { title, placeHolder: 'Database' })) ?? undefined;
  };
  const progress = <T>(title: string, run: (report: (message: string) => void) => Promise<T>) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (p) => run((message) => p.report({ message })));

  const createFrom = async (arg: unknown, scenariosOnly: boolean, runSteps: boolean) => {
    f.store.prewarm(); // blank databases start while the person picks (see PlaygroundStore.prewarm)
    const source = await pickSource(f.context.extensionUri, arg, scenariosOnly);
    if (!source) return undefined;
    const steps: readonly ScenarioStep[] = runSteps ? (source.scenario?.steps ?? []).filter((s) => s.kind !== 'expect') : [];
    const session = await progress(`Creating playground ${source.setup.name}`, () =>
      steps.length ? f.store.replay({ ...source.setup, steps }) : f.store.create(source.setup),
    );
    // opened (not run): the person plays the scenario's steps one at a time from the tree
    if (source.scenario && !runSteps && source.scenario.steps.length) f.playScenario(source.scenario, session);
    await vscode.commands.executeCommand('syncPlayground.replication.focus').then(undefined, () => undefined);
    if (source.uri && !runSteps) await vscode.window.showTextDocument(source.uri, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    return session.name;
  };

  const setOnline = async (arg: unknown, online: boolean | undefined) => {
    const s = f.requireSession();
    const name = await replicaOf(arg, online === undefined ? 'Toggle Online' : online ? 'Go Online' : 'Go Offline', online === undefined ? undefined : (o) => o !== online);
    if (!name) return;
    await s.setOnline(name, online ?? !s.playground.replica(name).online);
  };

  return {
    createPlayground: (arg?: unknown) => createFrom(arg, false, false),
    openScenario: (arg?: unknown) => createFrom(arg, true, false),
    runScenario: (arg?: unknown) => createFrom(arg, true, true),

    addReplica: async (nameArg?: unknown) => {
      const s = f.requireSession();
      const name =
        typeof nameArg === 'string'
          ? nameArg
          : await vscode.window.showInputBox({
              title: 'Add Replica',
              prompt: 'Name of the new replica. It starts as a copy of the hub.',
              validateInput: (v) => s.replicaNameProblem(v),
            });
      if (!name) return;
      const problem = s.replicaNameProblem(name);
      if (problem) throw new InvalidInputError(problem, 'name');
      const rec = s.recording();
      await progress(`Adding replica ${name}`, () =>
        // the engine copies the hub into the new replica; rebuilding by replay stays the fallback
        s.addReplica(name).catch((e: unknown) => {
          if (InvalidInputError.is(e)) throw e;
          f.log.error(`adding replica ${name} in place failed; rebuilding the playground by replay`, e);
          return f.store.replay({ ...rec, steps: [...rec.steps, { kind: 'addReplica', replica: name }] });
        }),
      );
    },

    removeReplica: async (arg?: unknown) => {
      const s = f.requireSession();
      const name = await replicaOf(arg, 'Remove Replica');
      if (!name) return;
      if (s.playground.replicas.length === 1) throw new Error('A playground needs at least one replica.');
      const ok = await vscode.window.showWarningMessage(
        `Remove replica ${name}? Its queued operations are lost; what it synced stays at the hub.`,
        { modal: true },
        'Remove',
      );
      if (ok !== 'Remove') return;
      const rec = s.recording();
      await progress(`Removing replica ${name}`, () =>
        s.removeReplica(name).catch((e: unknown) => {
          if (InvalidInputError.is(e)) throw e;
          f.log.error(`removing replica ${name} in place failed; rebuilding the playground by replay`, e);
          return f.store.replay({ ...rec, steps: [...rec.steps, { kind: 'removeReplica', replica: name }] });
        }),
      );
    },

    toggleOnline: (arg?: unknown) => setOnline(arg, undefined),
    goOffline: (arg?: unknown) => setOnline(arg, false),
    goOnline: (arg?: unknown) => setOnline(arg, true),

    syncReplica: async (arg?: unknown) => {
      const s = f.requireSession();
      const name = await replicaOf(arg, 'Sync Replica');
      if (!name) return;
      const summary = await progress(`Syncing ${name}`, (report) => {
        let n = 0;
        return s.sync(name, (e) =>
          report(e.type === 'sync_retry' ? `link to the hub lost (attempt ${e.attempt}), retrying in ${e.delayMs} ms` : `${++n} events · ${e.type.replaceAll('_', ' ')}`),
        );
      });
      if (summary.skipped) void vscode.window.showInformationMessage(`${name} is offline: nothing was synced.`);
      else if (summary.conflicts) {
        const open = await s.conflicts(true);
        // not awaited: the command is done when the sync is; the message waits for the person on its own
        if (open.length)
          void vscode.window
            .showWarningMessage(`${name}: ${open.length} conflict(s) wait for you.`, 'Open Conflict Inspector')
            .then((pick) => pick && f.showConflicts());
      }
      return summary;
    },

    syncAll: async () => {
      const s = f.requireSession();
      await progress('Syncing all online replicas', () => s.syncAll());
    },

    stepSync: async (arg?: unknown) => {
      const s = f.requireSession();
      const name = await replicaOf(arg, 'Step Sync', (online) => online);
      if (!name) return;
      const stepper = s.startStepSync(name);
      const panel = f.showConflicts();
      await stepper.step();
      return panel;
    },

    continueSync: async () => {
      const stepper = f.requireSession().stepper;
      if (!stepper) throw new Error('No sync is paused.');
      await progress(`Continuing the sync of ${stepper.replica}`, () => stepper.continue());
    },

    resetPlayground: async (confirmArg?: unknown) => {
      const s = f.requireSession();
      f.store.prewarm(); // blank databases start while the person confirms
      if (confirmArg !== true) {
        const ok = await vscode.window.showWarningMessage(`Reset playground ${s.name}? Every step taken is undone: schema, seed and rules stay.`, { modal: true }, 'Reset');
        if (ok !== 'Reset') return;
      }
      const setup = { ...s.setup, rules: s.rules }; // the rules in force stay
      await progress(`Resetting playground ${setup.name}`, () => f.store.create(setup));
    },

    openQueue: async (arg?: unknown) => {
      const name = await replicaOf(arg, 'Open Queue Inspector');
      if (name) f.showQueue(name);
    },
    openConflicts: (arg?: unknown) => {
      const node = arg as ReplicationNode | number | undefined;
      f.showConflicts(typeof node === 'number' ? node : node?.type === 'conflict' ? node.id : undefined);
    },
    openTimeline: () => void f.showTimeline(),

    /** `linkArg` skips the pick: conditions like `{ dropRate: 0.3, seed: 7 }`, or null / "perfect" for the perfect link. */
    setLinkConditions: async (arg?: unknown, linkArg?: unknown) => {
      const s = f.requireSession();
      const name = await replicaOf(arg, 'Set Link Conditions');
      if (!name) return undefined;
      const given = linkFromArg(linkArg); // null is an answer (the perfect link): only undefined asks
      const choice = given !== undefined ? given : await pickLink(name, s.playground.link(name));
      if (choice === undefined) return undefined;
      return (await s.setLink(name, choice)) ?? null;
    },

    setConflictRules: async (arg?: unknown) => {
      const s = f.requireSession();
      const rules = await pickRules(s, arg);
      if (rules) await s.setRules(rules);
    },

    exportScenario: async (uriArg?: unknown) => {
      const s = f.requireSession();
      const scenario = exportScenario(s.recording());
      const uri =
        uriArg instanceof vscode.Uri
          ? uriArg
          : await vscode.window.showSaveDialog({
              title: 'Export Scenario',
              filters: { 'Sync scenario': ['json'] },
              ...(vscode.workspace.workspaceFolders?.[0]
                ? { defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, `${s.name}.syncscenario.json`) }
                : {}),
            });
      if (!uri) return;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(JSON.stringify(scenarioToJson(scenario), null, 2) + '\n'));
      if (!(uriArg instanceof vscode.Uri)) await vscode.window.showTextDocument(uri);
      return uri;
    },

    runSqlOnDatabase: async (arg?: unknown, sqlArg?: unknown) => {
      const name = await databaseOf(arg, 'Run SQL on a playground database');
      if (!name) return;
      const sql =
        typeof sqlArg === 'string'
          ? sqlArg
          : await vscode.window.showInputBox({
              title: `Run SQL on ${name}`,
              prompt: name === HUB ? 'SQL for the hub (reads show rows; writes are versioned and pulled by the replicas)' : `SQL for ${name} (writes are captured into its queue)`,
              placeHolder: 'UPDATE todo SET done = true WHERE id = 1',
            });
      if (!sql?.trim()) return;
      await f.runSql(name, sql);
    },

    playScenarioStep: async () => {
      const player = f.player;
      if (!player || player.done) throw new Error('No scenario is being played. Open one with "Sync Playground: Open Scenario".');
      const played = (await player.playNext())!;
      const failed = played.results.filter((r) => !r.ok);
      if (failed.length) void vscode.window.showWarningMessage(`Step ${played.index + 1} (${played.text}): ${failed.map((r) => r.message).join('; ')}`);
      else if (played.results.length) void vscode.window.showInformationMessage(`Step ${played.index + 1}: ${played.results.length} expectation(s) hold.`);
      return played;
    },

    openPlaygroundTable: async (arg?: unknown) => {
      const node = arg as ReplicationNode | undefined;
      if (node?.type !== 'table') throw new Error('Open a table from the Replication view.');
      const quoted = node.table.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
      await f.runSql(node.database, `SELECT * FROM ${quoted} ORDER BY 1 LIMIT 1000`);
    },
  };
}
