import * as vscode from 'vscode';
import { PLAYGROUND_SAMPLES } from '../../core/playground/samples';
import type { PlaygroundSetup } from '../../core/playground/playgroundSetup';
import { setupOf } from '../../core/playground/playgroundSetup';
import { parseScenario } from '../../core/scenario/parseScenario';
import type { Scenario } from '../../core/scenario/scenarioModel';

/** What a person picked to start a playground from. */
export type PlaygroundSource = { readonly setup: PlaygroundSetup; readonly scenario?: Scenario; readonly uri?: vscode.Uri };

export async function readScenario(uri: vscode.Uri): Promise<Scenario> {
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  return parseScenario(text, uri.path.split('/').pop());
}

/** Scenario files shipped with the extension and in the workspace. */
async function scenarioFiles(extensionUri: vscode.Uri): Promise<vscode.Uri[]> {
  const shipped = vscode.Uri.joinPath(extensionUri, 'scenarios');
  const own = await Promise.resolve(vscode.workspace.fs.readDirectory(shipped)).catch(() => [] as [string, vscode.FileType][]);
  const inWorkspace = vscode.workspace.workspaceFolders ? await vscode.workspace.findFiles('**/*.syncscenario.json', '**/node_modules/**', 50) : [];
  return [...own.filter(([n]) => n.endsWith('.syncscenario.json')).map(([n]) => vscode.Uri.joinPath(shipped, n)), ...inWorkspace];
}

/**
 * Asks for a sample schema or a scenario file. `id` skips the question: a sample id, or a path/URI of a scenario
 * file (commands run from tests and from the walkthrough pass one).
 */
export async function pickSource(extensionUri: vscode.Uri, id: unknown, scenariosOnly = false): Promise<PlaygroundSource | undefined> {
  if (typeof id === 'string' && !scenariosOnly) {
    const sample = PLAYGROUND_SAMPLES.find((s) => s.id === id);
    if (sample) return { setup: sample.setup };
  }
  if (id instanceof vscode.Uri || (typeof id === 'string' && id.endsWith('.json'))) {
    const uri = id instanceof vscode.Uri ? id : id.includes('://') ? vscode.Uri.parse(id) : vscode.Uri.joinPath(extensionUri, id);
    const scenario = await readScenario(uri);
    return { setup: setupOf(scenario), scenario, uri };
  }
  type Item = vscode.QuickPickItem & { source?: () => Promise<PlaygroundSource | undefined> };
  const items: Item[] = [];
  if (!scenariosOnly) {
    items.push({ label: 'Sample schemas', kind: vscode.QuickPickItemKind.Separator });
    for (const s of PLAYGROUND_SAMPLES) items.push({ label: `$(database) ${s.label}`, detail: s.detail, source: async () => ({ setup: s.setup }) });
  }
  items.push({ label: 'Scenario files', kind: vscode.QuickPickItemKind.Separator });
  for (const uri of await scenarioFiles(extensionUri)) {
    items.push({
      label: `$(file-code) ${uri.path.split('/').pop()}`,
      description: vscode.workspace.asRelativePath(uri),
      source: async () => {
        const scenario = await readScenario(uri);
        return { setup: setupOf(scenario), scenario, uri };
      },
    });
  }
  items.push({
    label: '$(folder-opened) Browse for a scenario file…',
    source: async () => {
      const [uri] = (await vscode.window.showOpenDialog({ filters: { 'Sync scenario': ['json'] }, canSelectMany: false })) ?? [];
      if (!uri) return undefined;
      const scenario = await readScenario(uri);
      return { setup: setupOf(scenario), scenario, uri };
    },
  });
  const pick = await vscode.window.showQuickPick(items, { title: 'Create Playground', placeHolder: 'Start from a sample schema or a scenario file' });
  return pick?.source?.();
}
