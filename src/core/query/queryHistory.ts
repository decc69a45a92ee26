import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';

/** One run as the history keeps it. */
export interface HistoryEntry {
  readonly id: string;
  readonly sql: string;
  /** Target id (to run it again) and label (to show it). */
  readonly targetId: string;
  readonly target: string;
  /** ISO time the run started. */
  readonly at: string;
  readonly durationMs: number;
  readonly state: 'done' | 'failed' | 'cancelled';
  /** Rows of the last statement that returned rows. */
  readonly rows?: number;
  readonly error?: string;
}

const entrySchema = z.object({
  id: z.string(),
  sql: z.string(),
  targetId: z.string(),
  target: z.string(),
  at: z.string(),
  durationMs: z.number(),
  state: z.enum(['done', 'failed', 'cancelled']),
  rows: z.number().optional(),
  error: z.string().optional(),
});

/**
 * Query history in a JSON-lines file: each run is appended as one line (a crash loses at most that line;
 * a torn last line is skipped on read). When the file holds 1.5× the cap it is rewritten with the newest
 * `cap` entries to a temporary file and renamed over the old one, so a reader never sees half a file.
 */
export class QueryHistory {
  #lines: number | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly cap: number,
  ) {}

  /** Appends one run. Writes are serialised, so concurrent runs never interleave lines. */
  add(entry: HistoryEntry): Promise<void> {
    const next = this.#queue.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      if (this.#lines === undefined) {
        this.#lines = (await this.#read()).length;
        // after a crash mid-append the file may end in a torn line: start ours on a fresh line
        const text = await readFile(this.file, 'utf8').catch(() => '');
        if (text && !text.endsWith('\n')) await appendFile(this.file, '\n', 'utf8');
      }
      await appendFile(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
      this.#lines++;
      if (this.#lines > Math.max(this.cap * 1.5, this.cap + 10)) await this.#compact();
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Newest first, at most `cap`. Lines that do not parse are skipped. */
  async list(): Promise<HistoryEntry[]> {
    await this.#queue;
    return (await this.#read()).slice(-this.cap).reverse();
  }

  /** Entries whose SQL, target or error contains every word of `filter` (case-insensitive), newest first. */
  async search(filter: string): Promise<HistoryEntry[]> {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    return (await this.list()).filter((e) => {
      const text = `${e.sql}\n${e.target}\n${e.error ?? ''}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }

  async #read(): Promise<HistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed = entrySchema.safeParse(JSON.parse(line));
        if (parsed.success) out.push(parsed.data as HistoryEntry);
      } catch {
        // a torn line from a crash mid-append: skip it, keep the rest
      }
    }
    return out;
  }

  async #compact(): Promise<void> {
    const keep = (await this.#read()).slice(-this.cap);
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, keep.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
    await rename(tmp, this.file);
    this.#lines = keep.length;
  }
}
