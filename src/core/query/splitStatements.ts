/**
 * Splits a SQL script into statements with their offsets in the script, the way psql's lexer does: a
 * semicolon ends a statement only outside strings ('…', E'…' with backslash escapes), dollar quotes ($$…$$,
 * $tag$…$tag$), "quoted identifiers", -- line comments, nested /* block comments *\/, parentheses, and the
 * BEGIN … END body of a SQL-standard CREATE FUNCTION/PROCEDURE (… BEGIN ATOMIC … END).
 */

/** One statement of a script. */
export interface SplitStatement {
  /** The statement text sent to the database: from its first token to its last, without the semicolon. */
  readonly sql: string;
  /** Offset of `sql` in the script (UTF-16 code units, as editors count). */
  readonly start: number;
  /** Offset just past the statement's last character (before the semicolon, if any). */
  readonly end: number;
}

const identStart = /[A-Za-z_\u0080-\uffff]/;
const identChar = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Splits `script` into statements. Empty statements (only whitespace and comments) are dropped. */
export function splitStatements(script: string): SplitStatement[] {
  const out: SplitStatement[] = [];
  const n = script.length;
  let stmtStart = -1; // offset of the first token of the current statement, -1 before one
  let lastTokenEnd = -1;
  let parens = 0;
  let beginDepth = 0;
  let words: string[] = []; // leading keywords of the current statement, to spot CREATE FUNCTION
  let i = 0;

  const token = (from: number, to: number) => {
    if (stmtStart < 0) stmtStart = from;
    lastTokenEnd = to;
  };
  const finish = () => {
    if (stmtStart >= 0) out.push({ sql: script.slice(stmtStart, lastTokenEnd), start: stmtStart, end: lastTokenEnd });
    stmtStart = -1;
    lastTokenEnd = -1;
    parens = 0;
    beginDepth = 0;
    words = [];
  };
  const isRoutine = () => {
    const w = words[1] === 'OR' ? words.slice(3) : words.slice(1); // CREATE [OR REPLACE] FUNCTION
    return words[0] === 'CREATE' && (w[0] === 'FUNCTION' || w[0] === 'PROCEDURE');
  };

  while (i < n) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '-' && next === '-') {
      const nl = script.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (script[i] === '/' && script[i + 1] === '*') (depth++, (i += 2));
        else if (script[i] === '*' && script[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'" && !identChar.test(script[i - 1] ?? ' '))) {
      const from = i;
      const escapes = c !== "'";
      i = escapes ? i + 2 : i + 1;
      while (i < n) {
        if (escapes && script[i] === '\\') i += 2;
        else if (script[i] === "'" && script[i + 1] === "'") i += 2;
        else if (script[i] === "'") break;
        else i++;
      }
      i = Math.min(i + 1, n);
      token(from, i);
    } else if (c === '"') {
      const from = i++;
      while (i < n) {
        if (script[i] === '"' && script[i + 1] === '"') i += 2;
        else if (script[i] === '"') break;
        else i++;
      }
      i = Math.min(i + 1, n);
      token(from, i);
    } else if (c === '$' && !identChar.test(script[i - 1] ?? ' ') && dollarTag(script, i)) {
      const tag = dollarTag(script, i)!;
      const from = i;
      const close = script.indexOf(tag, i + tag.length);
      i = close < 0 ? n : close + tag.length;
      token(from, i);
    } else if (c === ';' && parens === 0 && beginDepth === 0) {
      finish();
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (identStart.test(c)) {
      const from = i;
      while (i < n && identChar.test(script[i]!)) i++;
      const word = script.slice(from, i).toUpperCase();
      if (words.length < 5) words.push(word);
      if (isRoutine()) {
        if (word === 'BEGIN' || (word === 'CASE' && beginDepth > 0)) beginDepth++;
        else if (word === 'END' && beginDepth > 0) beginDepth--;
      }
      token(from, i);
    } else {
      if (c === '(') parens++;
      else if (c === ')' && parens > 0) parens--;
      token(i, i + 1);
      i++;
    }
  }
  finish();
  return out;
}

/** The dollar-quote delimiter starting at `i` ("$$" or "$tag$"), or undefined ($1 is a parameter). */
function dollarTag(s: string, i: number): string | undefined {
  let j = i + 1;
  if (s[j] === '$') return '$$';
  if (!identStart.test(s[j] ?? '')) return undefined;
  while (j < s.length && /[A-Za-z0-9_\u0080-\uffff]/.test(s[j]!)) j++;
  return s[j] === '$' ? s.slice(i, j + 1) : undefined;
}

/** The statement containing `offset`, or the nearest one before it (a cursor just after `;` belongs to it). */
export function statementAt(statements: readonly SplitStatement[], offset: number): SplitStatement | undefined {
  let best: SplitStatement | undefined;
  for (const s of statements) {
    if (s.start <= offset) best = s;
    if (offset <= s.end) break;
  }
  return best ?? statements[0];
}

/**
 * Maps Postgres' error position (1-based, counted in characters, i.e. code points) inside `sql` to a
 * 0-based UTF-16 offset inside `sql`, as editors count. Astral characters (emoji) are one character to
 * Postgres and two code units to JavaScript.
 */
export function positionToOffset(sql: string, position: number): number {
  let offset = 0;
  let chars = 1;
  while (chars < position && offset < sql.length) {
    const cp = sql.codePointAt(offset)!;
    offset += cp > 0xffff ? 2 : 1;
    chars++;
  }
  return Math.min(offset, sql.length);
}
