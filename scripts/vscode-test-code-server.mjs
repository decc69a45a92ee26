// The VS Code test layer on code-server: runs dist/test/vscode/index.js inside a real VS Code extension host
// (code-server 4.139 = VS Code 1.139, on Node 24) driven by headless Debian chromium.
//
//   node scripts/vscode-test-code-server.mjs [--suites dev|installed] [--vsix dist/sync-playground.vsix] [--ui]
//                                            [--results .artifacts/vscode-results-dev.json]
//
//   --suites dev        the extension under development (extensionDevelopmentPath = repo root)   [default]
//   --suites installed  with --vsix: installs the package into a fresh extensions dir and tests that copy
//   --ui                afterwards, a UI smoke in chromium: the Sync Playground activity bar item opens its view;
//                       screenshot .artifacts/vscode-workbench.png
// Prints the extension host's mocha output; exit code 0 only when every test passed. Always kills code-server.
// Writes {passes, failures, pending} to --results for scripts/test.sh.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_LAUNCH, REPO_ROOT, codeServerCli, ensureInstalled, exitOnSignals, makeWorkDir, removeWorkDir, startCodeServer, workbenchUrl } from './lib/codeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    suites: { type: 'string', default: 'dev' },
    vsix: { type: 'string' },
    ui: { type: 'boolean', default: false },
    results: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const TIMEOUT_MS = Number(process.env.SYNC_PLAYGROUND_VSCODE_TIMEOUT_MS || 300_000);
const VERBOSE = !!process.env.SYNC_PLAYGROUND_VSCODE_VERBOSE;
const artifacts = path.join(REPO_ROOT, '.artifacts');
const resultsFile = path.resolve(opts.results ?? path.join(artifacts, `vscode-results-${opts.suites}.json`));
const hostResultsFile = `${resultsFile}.host.json`;
const testsPath = path.join(REPO_ROOT, 'dist/test/vscode/index.js');
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

/** Console lines of the workbench that are noise in a test log. */
const NOISE = /^(\[(?!Extension Host)|Resolv|Creating|Updating|Canceled|\s+at )|ENOTFOUND|Failed to load resource|authentication provider 'github'|^%c(?!\[Extension Host\])|net::ERR|punycode|DeprecationWarning|ExperimentalWarning/;

function writeResults(r) {
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify({ layer: `vscode-${opts.suites}`, ...r }) + '\n');
}

/**
 * VS Code runs extensionTestsPath only in an extension development host. To test the INSTALLED extension, the
 * development extension is an empty stub with another id, so the copy from the .vsix is the one that runs.
 */
function stubExtension(workDir) {
  const dir = path.join(workDir, 'stub-ext');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'vsix-test-host', publisher: 'sync-playground-tests', version: '0.0.0', engines: { vscode: '^1.90.0' },
  }));
  return dir;
}

async function runExtensionTests(browser, server, workDir) {
  const page = await browser.newPage();
  let exit;
  const exited = new Promise((r) => (exit = r));
  // the workbench calls these in smoke-test-driver mode: window + extension host console, and the tests' exit code
  await page.exposeFunction('codeAutomationLog', (_type, args) => {
    const line = format(...args).replace(/%c/g, '').replace(/\x1b\[[0-9;]*m/g, '');
    if (VERBOSE || !NOISE.test(format(...args))) console.log(line.replace(/^\[Extension Host\] ?/, '  '));
  });
  await page.exposeFunction('codeAutomationExit', (code) => exit(code));
  const url = workbenchUrl(server.url, {
    folder: path.join(workDir, 'ws'),
    extensionDevelopmentPath: opts.vsix ? stubExtension(workDir) : REPO_ROOT,
    extensionTestsPath: testsPath,
  });
  await page.goto(url);
  let timer;
  const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), TIMEOUT_MS)))]);
  clearTimeout(timer);
  await page.close().catch(() => {});
  return code;
}

async function uiSmoke(browser, server, workDir) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const shot = path.join(artifacts, 'vscode-workbench.png');
  try {
    await page.goto(workbenchUrl(server.url, { folder: path.join(workDir, 'ws'), extensionDevelopmentPath: REPO_ROOT }));
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    const item = page.locator('.activitybar [aria-label^="Sync Playground"]').first();
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    // the side bar now shows the container (titled after it and its Replication view) with the view's body
    await page.locator('.sidebar .composite.title:has-text("Sync Playground")').first().waitFor({ timeout: 30_000 });
    await page.locator('.sidebar .pane-body').first().waitFor({ state: 'visible', timeout: 30_000 });
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: shot });
    console.log(`  ✔ UI: the Sync Playground activity bar item opens the Replication view (screenshot ${path.relative(REPO_ROOT, shot)})`);
    return true;
  } catch (e) {
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`  ✗ UI: the Sync Playground activity bar item opens the Replication view\n    ${e.message.split('\n')[0]} (screenshot ${shot})`);
    return false;
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  exitOnSignals();
  if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: run \`npm run build\` first`);
  ensureInstalled();
  rmSync(hostResultsFile, { force: true });
  const workDir = makeWorkDir();
  if (!opts.keep) process.on('exit', () => removeWorkDir(workDir)); // also when a signal ends the run
  let server;
  let browser;
  try {
    const extensionsDir = path.join(workDir, 'ext');
    if (opts.vsix) {
      const vsix = path.resolve(opts.vsix);
      if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first`);
      console.log(codeServerCli(workDir, extensionsDir, ['--install-extension', vsix]).trim().split('\n').slice(-1)[0]);
    }
    server = await startCodeServer({
      workDir,
      extensionsDir,
      env: {
        SYNC_PLAYGROUND_VSCODE_SUITES: opts.suites,
        SYNC_PLAYGROUND_VSCODE_RESULTS: hostResultsFile,
        SYNC_PLAYGROUND_REPO_ROOT: REPO_ROOT,
      },
    });
    console.log(`code-server ${server.url} (pid ${server.pid}) ready after ${elapsed()}`);
    browser = await chromium.launch(CHROMIUM_LAUNCH);
    const code = await runExtensionTests(browser, server, workDir);
    console.log(`extension host exited with ${code} after ${elapsed()}`);
    const host = existsSync(hostResultsFile) ? JSON.parse(readFileSync(hostResultsFile, 'utf8')) : undefined;
    const r = { passes: host?.passes ?? 0, failures: host?.failures ?? 0, pending: host?.pending ?? 0 };
    if (!host) {
      r.failures += 1;
      console.log(code === 'timeout'
        ? `FAILED: the VS Code tests did not finish within ${TIMEOUT_MS / 1000} s (SYNC_PLAYGROUND_VSCODE_TIMEOUT_MS); code-server log: ${server.log}`
        : `FAILED: the extension host ended (${code}) without running the tests; code-server log: ${server.log}`);
    } else if (code !== 0 && r.failures === 0) {
      r.failures += 1; // the runner rejected for another reason (e.g. zero tests)
    }
    if (opts.ui) (await uiSmoke(browser, server, workDir)) ? r.passes++ : r.failures++;
    writeResults(r);
    console.log(`vscode (${opts.suites}): ${r.passes} passed, ${r.failures} failed, ${r.pending} pending in ${elapsed()}`);
    return r.failures === 0 && r.passes > 0 ? 0 : 1;
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    rmSync(hostResultsFile, { force: true });
    if (opts.keep) console.log(`kept ${workDir}`);
    else removeWorkDir(workDir);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`FAILED: ${e.message}`);
    writeResults({ passes: 0, failures: 1, pending: 0, error: e.message });
    process.exit(1);
  },
);
