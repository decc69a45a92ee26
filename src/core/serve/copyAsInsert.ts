/**
 * A COPY … FROM STDIN with its data, as the INSERT a scenario step can replay: every field becomes a quoted literal
 * (or NULL) that PostgreSQL converts with the column type's input function, exactly as COPY does. Text format
 * (tab-separated, \N, backslash escapes) and CSV (quotes, HEADER) with DELIMITER, NULL, QUOTE and ESCAPE are read;
 * anything else (BINARY, FORCE_NULL, …) is not, and the caller reports the write as not recorded.
 */
import { literal } from './servedWrites';

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const COPY = new RegExp(String.raw`^copy\s+(${IDENT}(?:\s*\.\s*${IDENT})?)\s*(\([^)]*\))?\s+from\s+stdin\b\s*([\s\S]*)$`, 'i');

interface Options {
  csv: boolean;
  delimiter: string;
  null: string;
  header: boolean;
  quote: string;
  escape?: string;
}

/** A string option's value: 'x' with '' for a quote, or E'\t'. */
function stringValue(raw: string): string | undefined {
  const m = /^(e?)'((?:[^']|'')*)'$/i.exec(raw.trim());
  if (!m) return undefined;
  const v = m[2]!.replace(/''/g, "'");
  return m[1] ? v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c) : v;
}

/** The options after FROM STDIN, new `WITH (…)` form or the old keyword form; undefined when one is not handled. */
function readOptions(rest: string): Options | undefined {
  const o: Options = { csv: false, delimiter: '\t', null: '\\N', header: false, quote: '"' };
  let text = rest.trim().replace(/;\s*$/, '').replace(/^with\b\s*/i, '');
  const pairs: [string, string][] = [];
  if (text.startsWith('(')) {
    if (!text.endsWith(')')) return undefined;
    for (const part of text.slice(1, -1).split(/,(?=(?:[^']*'[^']*')*[^']*$)/)) {
      const m = /^\s*(\w+)\s*(.*?)\s*$/s.exec(part);
      if (m) pairs.push([m[1]!.toLowerCase(), m[2]!]);
    }
  } else {
    const tokens = text.match(/e?'(?:[^']|'')*'|\S+/gi) ?? [];
    for (let i = 0; i < tokens.length; i++) {
      const word = tokens[i]!.toLowerCase();
      if (word === 'csv') pairs.push(['format', 'csv']);
      else if (word === 'header') pairs.push(['header', 'true']);
      else if (['delimiter', 'null', 'quote', 'escape'].includes(word)) {
        if (tokens[i + 1]?.toLowerCase() === 'as') i++;
        pairs.push([word, tokens[++i] ?? '']);
      } else return undefined;
    }
    text = '';
  }
  for (const [name, raw] of pairs) {
    const value = raw.replace(/^'|'$/g, '').toLowerCase();
    if (name === 'format') {
      if (value !== 'csv' && value !== 'text') return undefined;
      o.csv = value === 'csv';
    } else if (name === 'header') o.header = !['false', 'off', '0'].includes(value || 'true');
    else if (['delimiter', 'null', 'quote', 'escape'].includes(name)) {
      const v = stringValue(raw);
      if (v === undefined) return undefined;
      if (name === 'delimiter') o.delimiter = v;
      else if (name === 'null') o.null = v;
      else if (name === 'quote') o.quote = v;
      else o.escape = v;
    } else return undefined;
  }
  if (o.csv && !pairs.some(([n]) => n === 'delimiter')) o.delimiter = ',';
  if (o.csv && !pairs.some(([n]) => n === 'null')) o.null = '';
  return o;
}

const TEXT_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One text-format field: backslash escapes undone; `\N` (or the NULL string) is null. */
function textField(raw: string, nullString: string): string | null {
  if (raw === nullString) return null;
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x' && e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return TEXT_ESCAPES[e] ?? e;
  });
}

/** A text-format line's fields: split at delimiters that no backslash escapes. */
function splitText(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      field += c + line[++i];
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

function textRows(data: string, o: Options): (string | null)[][] {
  const lines = data.split(/\r?\n/);
  const rows: (string | null)[][] = [];
  for (const [i, line] of lines.entries()) {
    if (line === '\\.') break;
    if (line === '' && i === lines.length - 1) break;
    rows.push(splitText(line, o.delimiter).map((f) => textField(f, o.null)));
  }
  return o.header ? rows.slice(1) : rows;
}

function csvRows(data: string, o: Options): (string | null)[][] | undefined {
  const escape = o.escape ?? o.quote;
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  const n = data.length;
  for (;;) {
    if (i >= n) break;
    if (row.length === 0 && (data.startsWith('\\.\n', i) || data.startsWith('\\.\r\n', i) || data.slice(i) === '\\.')) break;
    // one field
    let value = '';
    let quoted = false;
    if (data[i] === o.quote) {
      quoted = true;
      i++;
      for (;;) {
        if (i >= n) return undefined; // an unterminated quote: COPY would have failed
        const c = data[i]!;
        const next = data[i + 1];
        // ESCAPE before QUOTE (or before itself, when they differ) is that character itself
        if (c === escape && (next === o.quote || (escape !== o.quote && next === escape))) {
          value += next;
          i += 2;
          continue;
        }
        i++;
        if (c === o.quote) break;
        value += c;
      }
    }
    while (i < n && data[i] !== o.delimiter && data[i] !== '\n' && data[i] !== '\r') value += data[i++];
    row.push(!quoted && value === o.null ? null : value);
    if (data[i] === o.delimiter) {
      i++;
      if (i < n) continue;
      row.push(o.null === '' ? null : ''); // "a," at the very end: an empty last field
    }
    if (data[i] === '\r') i++;
    if (data[i] === '\n') i++;
    rows.push(row);
    row = [];
  }
  return o.header ? rows.slice(1) : rows;
}

/**
 * `INSERT INTO <table> [(<columns>)] VALUES (…), …` for a COPY … FROM STDIN and its data; '' when it copied no
 * rows; undefined when its form is not one this reads.
 */
export function copyAsInsert(copySql: string, data: string): string | undefined {
  const m = COPY.exec(copySql.trim());
  if (!m) return undefined;
  const options = readOptions(m[3] ?? '');
  if (!options) return undefined;
  const rows = options.csv ? csvRows(data, options) : textRows(data, options);
  if (!rows) return undefined;
  if (!rows.length) return '';
  const values = rows.map((r) => `(${r.map((v) => (v === null ? 'NULL' : literal(v))).join(', ')})`);
  return `INSERT INTO ${m[1]}${m[2] ? ` ${m[2]}` : ''} VALUES\n  ${values.join(',\n  ')}`;
}
