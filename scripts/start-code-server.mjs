// `npm start` without a desktop `code`: serves VS Code (code-server, from the cache) with this extension loaded,
// opening the sample scenarios folder. Runs until Ctrl+C.
//
//   node scripts/start-code-server.mjs [--port 8090] [--folder scenarios] [--check]
//
// The extension is loaded from this repository through a symlink in a private extensions dir, so `npm run build`
// plus "Developer: Reload Window" picks up changes. --check opens the workbench in headless chromium, verifies the
// Sync Playground activity bar item, saves .artifacts/start-workbench.png and exits (used to test this script).
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CHROMIUM_LAUNCH, REPO_ROOT, ensureInstalled, makeWorkDir, removeWorkDir, startCodeServer } from './lib/codeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.SYNC_PLAYGROUND_PORT },
    folder: { type: 'string', default: path.join(REPO_ROOT, 'scenarios') },
    check: { type: 'boolean', default: false },
  },
});

ensureInstalled();
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const workDir = makeWorkDir('sp-start-');
const extensionsDir = path.join(workDir, 'ext');
symlinkSync(REPO_ROOT, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`));
const folder = path.resolve(opts.folder);
mkdirSync(folder, { recursive: true });

let server;
const shutdown = (code) => {
  server?.stop();
  removeWorkDir(workDir);
  process.exit(code);
};
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  server = await startCodeServer({
    workDir,
    extensionsDir,
    port: opts.port ? Number(opts.port) : undefined,
    smokeTestDriver: false,
    log: path.join(workDir, 'logs/code-server.log'),
  });
} catch (e) {
  console.error(`FAILED: ${e.message}`);
  shutdown(1);
}
const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
console.log(`\nSync Playground for Postgres in VS Code (code-server): ${url}\n(log: ${server.log}; Ctrl+C to stop)\n`);

if (opts.check) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.activitybar [aria-label^="Sync Playground"]').first().click({ timeout: 90_000 });
    await page.locator('.sidebar .composite.title:has-text("Sync Playground")').first().waitFor({ timeout: 30_000 });
    // the extension really runs: its Show Log command (from the palette) opens its output channel
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type('Sync Playground: Show Log');
    await page.locator('.quick-input-list .monaco-list-row:has-text("Show Log")').first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.panel .view-lines:has-text("activated")').first().waitFor({ timeout: 60_000 });
    mkdirSync(path.join(REPO_ROOT, '.artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(REPO_ROOT, '.artifacts/start-workbench.png') });
    ok = true;
    console.log('check: the workbench shows the Sync Playground activity bar item and its view; Show Log shows the activation log');
  } catch (e) {
    console.error(`check FAILED: ${e.message.split('\n')[0]}`);
  } finally {
    await browser.close();
  }
  shutdown(ok ? 0 : 1);
}
