import * as path from 'node:path';
import { lockDataDir } from '../dataDirLock';
import { copyTemplateInto } from '../dataDirTemplate';
import { startPgliteWorker, type WorkerSqlPort } from './workerPort';

/** Options for a database in its own worker thread. */
export interface PgliteWorkerOptions {
  /** A folder on disk (locked for as long as the database is open), or undefined for an in-memory database. */
  readonly dataDir?: string;
  /**
   * Start a new database from the template instead of running initdb (default true). On disk: an empty or new
   * folder gets a copy of the template data directory; an existing database folder is opened as it is.
   * In memory: the worker loads the template tarball.
   */
  readonly template?: boolean;
  /** Skip fsync on every commit. Faster; a crash may lose the last commits (never corrupts). */
  readonly relaxedDurability?: boolean;
  /**
   * Initial WASM heap in bytes. PGlite's build declares 128 MiB as its minimum, so this can only raise it; to use
   * less memory, lower `settings.shared_buffers` instead (PostgreSQL's buffer pool lives in that heap).
   */
  readonly initialMemory?: number;
  /** PostgreSQL settings passed at start (`-c name=value`), e.g. `{ shared_buffers: '16MB' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** What the database is for, shown to whoever finds the folder locked, e.g. "replica a". */
  readonly purpose?: string;
}

/**
 * Opens PGlite in a worker thread behind the SQL port. The calling thread stays responsive while the database
 * starts (initdb, WAL replay) and while statements run. Throws DataDirLockedError when the folder is open already.
 */
export async function openPgliteWorker(options: PgliteWorkerOptions = {}): Promise<WorkerSqlPort> {
  const template = options.template ?? true;
  const base = {
    ...(options.relaxedDurability !== undefined ? { relaxedDurability: options.relaxedDurability } : {}),
    ...(options.initialMemory !== undefined ? { initialMemory: options.initialMemory } : {}),
    ...(options.settings !== undefined ? { settings: options.settings } : {}),
  };
  if (!options.dataDir) return startPgliteWorker({ ...base, fromTemplate: template });
  const lock = lockDataDir(path.resolve(options.dataDir), options.purpose);
  try {
    if (template) await copyTemplateInto(lock.dir);
  } catch (e) {
    lock.release();
    throw e;
  }
  return startPgliteWorker({ ...base, dataDir: lock.dir }, lock);
}
