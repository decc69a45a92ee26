import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Looks for a secret in text and files, in every form it could be written in: as is, percent-encoded (a URL),
 * JSON-escaped, libpq-escaped, base64 (bytea cells, binary state), and UTF-16 (some stores write that).
 */
export function secretForms(secret: string): Buffer[] {
  const texts = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), secret.replace(/[\\']/g, '\\$&')]);
  const forms = [...texts].map((t) => Buffer.from(t, 'utf8'));
  forms.push(Buffer.from(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '')), Buffer.from(secret, 'utf16le'));
  return forms;
}

/** True when `data` holds the secret in any of its forms. */
export function holdsSecret(data: string | Buffer, forms: readonly Buffer[]): boolean {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return forms.some((f) => buf.includes(f));
}

/** Every regular file under `dir` (following no links), with paths relative to `dir`. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = path.join(d, name);
      let st;
      try {
        st = statSync(p, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.map((p) => path.relative(dir, p));
}

/** The files under `dir` that hold the secret (unreadable files, such as sockets, are skipped). */
export function filesHolding(dir: string, forms: readonly Buffer[]): string[] {
  return filesUnder(dir).filter((f) => {
    try {
      return holdsSecret(readFileSync(path.join(dir, f)), forms);
    } catch {
      return false;
    }
  });
}
