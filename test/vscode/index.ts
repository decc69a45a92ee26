/**
 * The mocha runner VS Code loads as `extensionTestsPath` (bundled to dist/test/vscode/index.js; mocha itself stays
 * external and is required from node_modules). Suites are listed below so esbuild bundles them into this one file:
 * to add a suite, write test/vscode/<name>.test.ts (bdd: describe/it) and add one line to SUITES.
 *
 * Besides the spec output (forwarded to the launcher's console), the runner writes its counts to
 * $SYNC_PLAYGROUND_VSCODE_RESULTS (default .artifacts/vscode-results.json) for scripts/test.sh.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Suites by set: `dev` runs against the extension under development, `installed` against the installed .vsix. */
const SUITES: Record<string, Array<() => unknown>> = {
  dev: [() => require('./extension.test'), () => require('./webview.test'), () => require('./query.test'), () => require('./replication.test'), () => require('./connections.test'), () => require('./passwords.test'), () => require('./serve.test')],
  installed: [() => require('./installed.test')],
};

const repoRoot = path.resolve(__dirname, '../../..');

export function run(): Promise<void> {
  const set = process.env.SYNC_PLAYGROUND_VSCODE_SUITES ?? 'dev';
  const suites = SUITES[set];
  if (!suites) return Promise.reject(new Error(`unknown suite set ${set}: one of ${Object.keys(SUITES).join(', ')}`));
  const resultsFile =
    process.env.SYNC_PLAYGROUND_VSCODE_RESULTS ?? path.join(repoRoot, '.artifacts', `vscode-results-${set}.json`);

  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, slow: 5_000, color: false, reporter: 'spec' });
  Mocha.reporters.Base.useColors = false; // the output ends up in a log, not a terminal
  // the bundle is one file: define describe/it as mocha does before it loads a spec file, then load the suites
  mocha.suite.emit('pre-require', globalThis, 'dist/test/vscode/index.js', mocha);
  for (const load of suites) load();

  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const { passes = 0, pending = 0, tests = 0 } = runner.stats ?? {};
      mkdirSync(path.dirname(resultsFile), { recursive: true });
      writeFileSync(resultsFile, JSON.stringify({ layer: `vscode-${set}`, passes, failures, pending, tests }) + '\n');
      if (failures > 0) reject(new Error(`${failures} of ${tests} VS Code tests failed`));
      else if (passes === 0) reject(new Error('no VS Code tests ran'));
      else resolve();
    });
  });
}
