/**
 * Copies a folder tree fast, for making databases from the template data directory (~970 small files).
 *
 * Why not `fs.cp`: Node 20's implementation walks and copies one entry at a time in JavaScript, with a stat per
 * file; measured on 2 cores, three template copies took ~1.3 s with fs.cp against ~0.24 s with `cp -r`. Here the
 * template's listing is read once per process (the template never changes once built), the folders are made
 * first, then the files are copied with several copies in flight (libuv's thread pool does the work, so this
 * thread stays free), each a copy-on-write clone where the filesystem can (btrfs, xfs, APFS).
 */
import { constants, type Dirent } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import * as path from 'node:path';

interface Listing {
  /** Relative folder paths, parents before children. */
  readonly dirs: readonly string[];
  /** Relative file paths. */
  readonly files: readonly string[];
}

const listings = new Map<string, Promise<Listing>>();

async function list(root: string, skip: (name: string) => boolean): Promise<Listing> {
  const dirs: string[] = [];
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries: Dirent[] = await readdir(path.join(root, rel), { withFileTypes: true });
    const sub: string[] = [];
    for (const e of entries) {
      if (skip(e.name)) continue;
      const r = rel ? path.join(rel, e.name) : e.name;
      if (e.isDirectory()) {
        dirs.push(r);
        sub.push(r);
      } else if (e.isFile()) {
        files.push(r);
      }
      // a data directory holds no symlinks or devices; anything else is left out rather than followed
    }
    await Promise.all(sub.map(walk));
  };
  await walk('');
  // a parent is always listed before its children, whatever order the walk finished in
  dirs.sort((a, b) => a.split(path.sep).length - b.split(path.sep).length);
  return { dirs, files };
}

/** How many file copies are in flight at once: enough to keep libuv's 4 threads busy, few enough to be polite. */
const IN_FLIGHT = 16;

/**
 * Copies every folder and file of `source` into `target` (created when missing; existing files are replaced).
 * `skip` leaves out entries by name at any depth. The source's listing is cached: use only for a source that no
 * longer changes, such as the template.
 */
export async function copyTree(source: string, target: string, skip: (name: string) => boolean = () => false): Promise<void> {
  let listing = listings.get(source);
  if (!listing) {
    listing = list(source, skip);
    listings.set(source, listing);
    listing.catch(() => listings.delete(source));
  }
  const { dirs, files } = await listing;
  await mkdir(target, { recursive: true });
  for (const d of dirs) await mkdir(path.join(target, d), { recursive: true });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      await copyFile(path.join(source, f), path.join(target, f), constants.COPYFILE_FICLONE);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.length) }, lane));
}
