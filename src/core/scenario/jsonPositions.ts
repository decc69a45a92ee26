import { InvalidInputError } from '../errors';

/**
 * A strict JSON parser that also remembers the line of every value, so a scenario error can say
 * "steps[3].replica (line 27)". JSON.parse loses positions and jsonc-parser is not one of our dependencies;
 * JSON is small enough that a recursive-descent parser is clearer than a workaround.
 */

/** A path into a parsed document: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

/** The parsed value and where each value (and each key) starts. */
export interface PositionedJson {
  readonly value: unknown;
  /** 1-based line of the value at `path`, or of the nearest enclosing value that exists. */
  lineOf(path: JsonPath): number | undefined;
}

/** `steps[3].replica`: the form people read in messages. */
export function formatPath(path: JsonPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(root)';
}

const key = (path: JsonPath): string => JSON.stringify(path);

/** Parses `text`; throws InvalidInputError with the line of the first syntax error. */
export function parseJsonWithPositions(text: string, fileName = 'input'): PositionedJson {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;

  const fail = (what: string): never => {
    throw new InvalidInputError(`${fileName}:${line}: invalid JSON: ${what}`, undefined, line);
  };
  const skipWs = (): void => {
    for (;;) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
      i++;
    }
  };
  const describe = (): string => (i >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[i])}`);

  const parseString = (): string => {
    // text[i] is the opening quote
    const start = i;
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') fail('unterminated string');
      if (c === '"') break;
      if (c === '\\') i++;
      else if (c! < ' ') fail('control character in string');
      i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad escape in string');
    }
  };

  const parseValue = (path: JsonPath): unknown => {
    skipWs();
    lines.set(key(path), line);
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail(`expected a property name in quotes, ${describe()}`);
        const k = parseString();
        if (Object.prototype.hasOwnProperty.call(obj, k)) fail(`duplicate property "${k}"`);
        skipWs();
        if (text[i] !== ':') fail(`expected ':' after "${k}", ${describe()}`);
        i++;
        obj[k] = parseValue([...path, k]);
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(`expected ',' or '}', ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue([...path, arr.length]));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(`expected ',' or ']', ${describe()}`);
      }
    }
    if (c === '"') return parseString();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return fail(describe());
    i += m[0].length;
    return JSON.parse(m[0]) as unknown;
  };

  const value = parseValue([]);
  skipWs();
  if (i < text.length) fail(`${describe()} after the end of the document`);

  return {
    value,
    lineOf(path: JsonPath): number | undefined {
      for (let n = path.length; n >= 0; n--) {
        const l = lines.get(key(path.slice(0, n)));
        if (l !== undefined) return l;
      }
      return undefined;
    },
  };
}
