/**
 * Deleting a database folder without waiting for it: the folder is renamed into a trash folder next to it (one
 * rename, instant) and deleted later. A data folder is ~1,000 files; deleting them takes a few hundred ms of file
 * system work that a "Reset playground" would otherwise wait for before making the new databases in its place.
 *
 * Entries are named `<pid>-<n>-<name>`: a process deletes its own, and those of processes that are gone (a killed
 * extension host leaves its trash behind); another live process's entries are its to delete.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { isAlive } from './dataDirLock';

let next = 0;

/**
 * Moves `dir` into `trash` (which must be on the same file system, e.g. a sibling). Returns false when there was
 * nothing to move. When the rename fails for another reason, `dir` is deleted in place instead.
 */
export async function moveToTrash(dir: string, trash: string): Promise<boolean> {
  try {
    await mkdir(trash, { recursive: true });
    await rename(dir, path.join(trash, `${process.pid}-${next++}-${path.basename(dir)}`));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    await rm(dir, { recursive: true, force: true });
    return false;
  }
}

/** Deletes this process's entries in `trash` and those of processes that are gone. Never throws. */
export async function emptyTrash(trash: string): Promise<void> {
  const entries = await readdir(trash).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (e) => {
      const pid = Number(e.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) return;
      await rm(path.join(trash, e), { recursive: true, force: true }).catch(() => undefined);
    }),
  );
}
