import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CommandIds } from '../../src/vscode/commandIds';

const root = path.join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(path.join(root, p)).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) ? [p] : [];
  });
}

/** Module specifiers a file imports, requires or dynamically imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[1]!);
  return specs;
}

function violations(dirs: string[], banned: (spec: string) => boolean): string[] {
  return dirs.flatMap((d) => sourceFiles(d)).flatMap((f) => importsOf(f).filter(banned).map((s) => `${f} imports ${s}`));
}

const isVscode = (s: string) => s === 'vscode';
const isDriver = (s: string) => s === 'pg' || s.startsWith('pg/') || s === 'pg-cursor' || s.startsWith('@electric-sql/pglite');

describe('architecture', () => {
  it('only src/vscode and the composition root import vscode', () => {
    assert.deepEqual(violations(['src/core', 'src/protocol', 'src/db', 'src/cli', 'webview'], isVscode), []);
  });

  it('the core, the protocol and the webviews import no database driver', () => {
    assert.deepEqual(violations(['src/core', 'src/protocol', 'webview'], isDriver), []);
  });

  it('the core does not reach into the adapters', () => {
    const intoAdapters = (s: string) => /(^|\/)(db|vscode|cli)\//.test(s) && s.startsWith('.');
    assert.deepEqual(violations(['src/core'], intoAdapters), []);
  });

  it('the guard itself sees imports (a file importing vscode is caught)', () => {
    // guards against a regex that silently matches nothing
    const specs = importsOf('src/extension.ts');
    assert.ok(specs.includes('vscode'), `expected src/extension.ts to import vscode, saw ${specs.join(', ')}`);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

  it('contributes exactly the commands of the command table, each with the category', () => {
    const contributed = (pkg.contributes.commands as { command: string; category?: string }[]).map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(CommandIds).sort());
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Sync Playground', `${c.command} has no category`);
  });

  it('activates lazily: no "*" or startup activation', () => {
    const events: string[] = pkg.activationEvents ?? [];
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), `activationEvents: ${events.join(', ')}`);
  });

  it('every menu and keybinding refers to a contributed command', () => {
    const ids = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
    const refs: string[] = [];
    for (const items of Object.values(pkg.contributes.menus ?? {}) as { command?: string }[][]) {
      for (const item of items) if (item.command) refs.push(item.command);
    }
    for (const k of pkg.contributes.keybindings ?? []) refs.push(k.command);
    assert.deepEqual(refs.filter((r) => !ids.has(r)), []);
  });
});
