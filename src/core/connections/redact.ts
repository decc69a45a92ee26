/**
 * Strips passwords out of text that may hold a connection string, before the text reaches a log, an error message
 * or a webview. Passwords belong in secret storage only; this is the last line of defence for one that slipped into
 * a string (a pasted connection string in an error, a driver message, a stack trace).
 */

/** The mask that replaces a password. */
export const REDACTED = '***';

/**
 * `postgres://user:secret@host` → `postgres://user:***@host`; `password=secret` (libpq, quoted or not, with `\'`
 * escapes), `password: secret` and `"password":"secret"` (JSON) → the value masked. Text without a password comes
 * back unchanged.
 */
export function redact(text: string): string {
  return (
    text
      // URL userinfo: the password runs to the LAST '@' before the path, since an unencoded '@' inside a password
      // is accepted by URL parsers and by our connection-string reader ('/', '?' and '#' end the authority)
      .replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)[^/?#\s]*@(?=[^/?#@\s]*(?:[/?#\s]|$))/gi, `$1${REDACTED}@`)
      // key/value forms; an unterminated quote masks everything after it
      .replace(/(password["']?\s*[=:]\s*)('(?:[^'\\]|\\.)*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$)|\S+)/gi, `$1${REDACTED}`)
  );
}
