/**
 * A small reader for the EDN subset that Jepsen-style histories use: maps, vectors, lists,
 * keywords, strings, integers and floats, nil, true and false. Enough to read one history
 * record per line; not a general EDN implementation (no sets, tags, chars or metadata).
 */

export class EdnKeyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

export type EdnValue = null | boolean | number | string | EdnKeyword | EdnValue[] | Map<EdnValue, EdnValue>;

/** Parses one EDN value filling the whole of `text`; throws Error with a column on failure. */
export function readEdn(text: string): EdnValue {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at column ${pos + 1}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      // whitespace and commas separate; ';' starts a comment to end of text
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44) pos++;
      else if (c === 59) pos = text.length;
      else break;
    }
  };
  const isDelimiter = (c: string): boolean => /[\s,{}[\]()"]/.test(c);
  const readToken = (): string => {
    const start = pos;
    while (pos < text.length && !isDelimiter(text[pos] as string)) pos++;
    return text.slice(start, pos);
  };
  const readValue = (depth: number): EdnValue => {
    if (depth > 64) fail("nesting too deep");
    skipSpace();
    if (pos >= text.length) fail("unexpected end of input");
    const c = text[pos] as string;
    if (c === "{") {
      pos++;
      const map = new Map<EdnValue, EdnValue>();
      for (;;) {
        skipSpace();
        if (text[pos] === "}") {
          pos++;
          return map;
        }
        const key = readValue(depth + 1);
        skipSpace();
        if (text[pos] === "}") fail("map with an odd number of forms");
        const value = readValue(depth + 1);
        // Keywords and strings are the only keys histories use; compare them by text.
        map.set(key instanceof EdnKeyword ? `:${key.name}` : key, value);
      }
    }
    if (c === "[" || c === "(") {
      const close = c === "[" ? "]" : ")";
      pos++;
      const items: EdnValue[] = [];
      for (;;) {
        skipSpace();
        if (text[pos] === close) {
          pos++;
          return items;
        }
        if (pos >= text.length) fail(`missing ${close}`);
        items.push(readValue(depth + 1));
      }
    }
    if (c === '"') {
      pos++;
      let out = "";
      for (;;) {
        if (pos >= text.length) fail("unterminated string");
        const ch = text[pos++] as string;
        if (ch === '"') return out;
        if (ch !== "\\") {
          out += ch;
          continue;
        }
        const esc = text[pos++];
        if (esc === "n") out += "\n";
        else if (esc === "t") out += "\t";
        else if (esc === "r") out += "\r";
        else if (esc === '"' || esc === "\\") out += esc;
        else fail(`unsupported escape \\${esc ?? ""}`);
      }
    }
    if (c === "}" || c === "]" || c === ")") fail(`unexpected ${c}`);
    if (c === ":") {
      pos++;
      const name = readToken();
      if (name === "") fail("empty keyword");
      return new EdnKeyword(name);
    }
    const token = readToken();
    if (token === "nil") return null;
    if (token === "true") return true;
    if (token === "false") return false;
    if (/^[+-]?\d+N?$/.test(token)) return Number.parseInt(token, 10);
    if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?M?$/.test(token)) return Number.parseFloat(token);
    return fail(`unsupported token ${JSON.stringify(token)}`);
  };
  const value = readValue(0);
  skipSpace();
  if (pos < text.length) fail("trailing text");
  return value;
}

/** Field `name` (a keyword key) of an EDN map. */
export function ednField(map: Map<EdnValue, EdnValue>, name: string): EdnValue | undefined {
  return map.get(`:${name}`);
}

export function isKeyword(v: EdnValue | undefined, name?: string): v is EdnKeyword {
  return v instanceof EdnKeyword && (name === undefined || v.name === name);
}
