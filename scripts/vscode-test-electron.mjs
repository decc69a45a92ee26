// The VS Code test layer on desktop VS Code (Electron), downloaded by @vscode/test-electron into .vscode-test/.
// Needs update.code.visualstudio.com; used only when SYNC_PLAYGROUND_VSCODE=electron (default: code-server).
//
//   node scripts/vscode-test-electron.mjs [--suites dev] [--results .artifacts/vscode-results-dev.json]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT } from './lib/codeServer.mjs';

const { values: opts } = parseArgs({ options: { suites: { type: 'string', default: 'dev' }, results: { type: 'string' } } });
const resultsFile = path.resolve(opts.results ?? path.join(REPO_ROOT, '.artifacts', `vscode-results-${opts.suites}.json`));
const hostResultsFile = `${resultsFile}.host.json`;
const scratch = mkdtempSync('/tmp/sp-vse-');
let r = { passes: 0, failures: 0, pending: 0 };
try {
  rmSync(hostResultsFile, { force: true });
  await runTests({
    version: process.env.SYNC_PLAYGROUND_VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: path.join(REPO_ROOT, 'dist/test/vscode/index.js'),
    launchArgs: [path.join(scratch, 'ws'), '--user-data-dir', path.join(scratch, 'ud'), '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: {
      SYNC_PLAYGROUND_VSCODE_SUITES: opts.suites,
      SYNC_PLAYGROUND_VSCODE_RESULTS: hostResultsFile,
      SYNC_PLAYGROUND_REPO_ROOT: REPO_ROOT,
    },
  }).catch((e) => console.error(`FAILED: ${e.message ?? e}`));
  if (existsSync(hostResultsFile)) r = JSON.parse(readFileSync(hostResultsFile, 'utf8'));
  else r.failures = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(hostResultsFile, { force: true });
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify({ layer: `vscode-${opts.suites}`, passes: r.passes, failures: r.failures, pending: r.pending }) + '\n');
}
console.log(`vscode (${opts.suites}, electron): ${r.passes} passed, ${r.failures} failed, ${r.pending} pending`);
process.exit(r.failures === 0 && r.passes > 0 ? 0 : 1);
