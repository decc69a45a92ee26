/**
 * How to start a database worker, bundled or from source.
 *
 * Bundled (dist/*.js): the worker is dist/pgliteWorker.js, next to the running bundle (or one or two folders up,
 * for bundles in dist/test/…). From source under tsx (unit tests, scripts): the worker must run
 * src/db/pgliteWorker.ts, and on Node 20 `execArgv: ['--import', 'tsx']` does not reach worker threads (their
 * module hooks are not inherited), so the worker is started from a tiny CommonJS snippet that registers tsx's
 * require hook first and then requires the TypeScript entry.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Arguments for `new Worker(filename, { eval })`. */
export interface WorkerEntry {
  readonly filename: string;
  readonly eval: boolean;
  /** For messages: the file that will run. */
  readonly describe: string;
}

const BUNDLE = 'pgliteWorker.js';

export function resolveWorkerEntry(): WorkerEntry {
  const override = process.env.SYNC_PLAYGROUND_PGLITE_WORKER;
  if (override) return { filename: override, eval: false, describe: override };
  const here = typeof __filename === 'string' ? __filename : '';
  if (here.endsWith('.js')) {
    for (const dir of [__dirname, path.join(__dirname, '..'), path.join(__dirname, '..', '..')]) {
      const f = path.join(dir, BUNDLE);
      if (existsSync(f)) return { filename: f, eval: false, describe: f };
    }
    throw new Error(`The database worker ${BUNDLE} was not found next to ${here}. Rebuild with \`npm run build\`.`);
  }
  // from source: this file is src/db/worker/workerEntry.ts
  const source = path.join(__dirname, '..', 'pgliteWorker.ts');
  if (!existsSync(source)) throw new Error(`The database worker source ${source} is missing.`);
  // resolved from this file so the worker finds the project's tsx whatever its working directory
  const tsxCjs = require.resolve('tsx/cjs');
  const code = `require(${JSON.stringify(tsxCjs)});\nrequire(${JSON.stringify(source)});\n`;
  return { filename: code, eval: true, describe: source };
}
