/**
 * The benchmark runner: `npm run bench` (build, then node dist/bench.js), or from source:
 * `node --import tsx bench/main.ts`. Options: `--runs N` (default 5), `--only startup,apply`.
 * Prints one table (each figure as median (min-max) over the runs, beside its anchor and the ratio) and writes
 * every sample to bench/results/latest.json.
 *
 * Each suite runs in a process of its own (`--suite-child <name> <rows file>`): in one shared process the suites
 * after the heavy ones measured a process full of their leftovers (the sync-engine figures, anchors included,
 * came out ~2x slower after the startup, sync and query suites than alone, and the ratios moved too).
 *
 * To add a bench: a file bench/<name>.bench.ts exporting `name` and `run(ctx)`, listed in SUITES below (a bundle
 * cannot discover files at run time).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchContext, BenchRow, BenchSuite } from './benchTypes';
import { rssChildMain, type RssKind } from './memoryProbe';
import { median, table } from './stats';
import * as startup from './startup.bench';
import * as apply from './apply.bench';
import * as capture from './capture.bench';
import * as sync from './sync.bench';
import * as syncEngine from './syncEngine.bench';
import * as query from './query.bench';
import * as serve from './serve.bench';

const SUITES: BenchSuite[] = [startup, apply, capture, sync, syncEngine, query, serve];

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** bench/results next to the sources: found from the bundle (dist/) or from bench/ itself. */
function resultsDir(): string {
  const root = path.basename(__dirname) === 'dist' || path.basename(__dirname) === 'bench' ? path.dirname(__dirname) : process.cwd();
  return path.join(root, 'bench', 'results');
}

function context(runs: number, scratchRoot: string): BenchContext {
  let n = 0;
  return {
    runs,
    scratch: (name) => {
      const dir = path.join(scratchRoot, `${n++}-${name}`);
      mkdirSync(path.dirname(dir), { recursive: true });
      return dir;
    },
    log: (m) => process.stderr.write(`[bench] ${m}\n`),
  };
}

/** In a child process: runs one suite and writes its rows (or its failure) as JSON to `out`. */
async function suiteChild(name: string, out: string, runs: number): Promise<void> {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new Error(`no bench suite named ${name}`);
  const scratchRoot = mkdtempSync(path.join(os.tmpdir(), `sp-bench-${name}-`));
  try {
    writeFileSync(out, JSON.stringify({ rows: await suite.run(context(runs, scratchRoot)) }));
  } catch (e) {
    writeFileSync(out, JSON.stringify({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  } finally {
    rmSync(scratchRoot, { recursive: true, force: true });
  }
}

/** Runs one suite in a fresh process (same node flags, same entry file); its progress goes to our stderr. */
async function runSuite(name: string, runs: number, dir: string): Promise<BenchRow[]> {
  const out = path.join(dir, `${name}.json`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--suite-child', name, out, '--runs', String(runs)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  let result: { rows?: BenchRow[]; error?: string };
  try {
    result = JSON.parse(readFileSync(out, 'utf8')) as typeof result;
  } catch {
    throw new Error(`the ${name} suite's process exited with code ${code} before writing its results`);
  }
  if (result.error !== undefined) throw new Error(result.error);
  return result.rows ?? [];
}

async function main(): Promise<void> {
  const child = arg('--child-rss');
  if (child) return rssChildMain(child as RssKind, process.argv[process.argv.indexOf('--child-rss') + 2]!);

  const runs = Number(arg('--runs') ?? 5);
  const suiteName = arg('--suite-child');
  if (suiteName) return suiteChild(suiteName, process.argv[process.argv.indexOf('--suite-child') + 2]!, runs);

  const only = arg('--only')?.split(',');
  const unknown = (only ?? []).filter((o) => !SUITES.some((s) => s.name === o));
  if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}; the suites are ${SUITES.map((s) => s.name).join(', ')}`);
  const suites = SUITES.filter((s) => !only || only.includes(s.name));
  const resultsRoot = mkdtempSync(path.join(os.tmpdir(), 'sp-bench-results-'));
  const load0 = os.loadavg();
  const started = new Date().toISOString();
  const rows: BenchRow[] = [];
  const failures: { suite: string; error: string }[] = [];
  try {
    for (const s of suites) {
      try {
        rows.push(...(await runSuite(s.name, runs, resultsRoot)));
      } catch (e) {
        failures.push({ suite: s.name, error: e instanceof Error ? e.message : String(e) });
        process.stderr.write(`[bench] ${s.name} FAILED: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
      }
    }
  } finally {
    rmSync(resultsRoot, { recursive: true, force: true });
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    // other work on the machine moves every absolute figure; the ratios to anchors move much less
    loadavgAtStart: load0.map((x) => +x.toFixed(2)),
    loadavgAtEnd: os.loadavg().map((x) => +x.toFixed(2)),
  };
  console.log(table(rows));
  console.log(`\n${runs} runs per figure; load average ${machine.loadavgAtStart[0]} → ${machine.loadavgAtEnd[0]} on ${machine.cpus} CPUs`);
  for (const f of failures) console.log(`FAILED ${f.suite}: ${f.error.split('\n')[0]}`);
  const out = resultsDir();
  mkdirSync(out, { recursive: true });
  const json = {
    started,
    runs,
    machine,
    rows: rows.map((r) => ({
      ...r,
      figureMedian: median(r.figure.samples),
      ...(r.anchor ? { anchorMedian: median(r.anchor.samples), ratio: median(r.figure.samples) / median(r.anchor.samples) } : {}),
    })),
    failures,
  };
  writeFileSync(path.join(out, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  if (failures.length) process.exitCode = 1;
}

main().then(
  // workers and timers of a failed suite must not keep the process alive after the table is printed
  () => setTimeout(() => process.exit(), 100).unref(),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
