/**
 * Incremental readers for the two import formats: RFC 4180 CSV (quoted fields may hold commas, quotes and
 * line breaks) and JSON lines. Both take the file in chunks of text as they arrive and hand back complete
 * records with the line number each one starts on, so a reject can name the line a person opens in an
 * editor. Neither keeps more than one unfinished record in memory.
 */

/** One CSV record: its fields and the (1-based) line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * A streaming CSV parser: `push` chunks, then `end`. Quoted fields follow RFC 4180 (`""` is a quote);
 * CRLF and LF both end a record; a byte-order mark at the start is dropped; blank lines are skipped.
 *
 * @example
 * const csv = createCsvParser();
 * for (const r of [...csv.push('a,"b\n""c"""\n'), ...csv.end()]) console.log(r.line, r.fields); // 1 ['a', 'b\n"c"']
 */
export function createCsvParser() {
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let started = false;
  let first = true;

  function finish(out: CsvRecord[]): void {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || afterQuote) out.push({ line: recordLine, fields });
    fields = [];
    field = '';
    afterQuote = false;
    started = false;
  }

  return {
    push(chunk: string): CsvRecord[] {
      const out: CsvRecord[] = [];
      let text = chunk;
      if (first && text.length) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let runStart = -1;
      const flushRun = (i: number) => {
        if (runStart >= 0) {
          field += text.slice(runStart, i);
          runStart = -1;
        }
      };
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (!started) {
          started = true;
          recordLine = line;
        }
        if (inQuotes) {
          if (c === QUOTE) {
            flushRun(i);
            inQuotes = false;
            afterQuote = true;
          } else {
            if (c === LF) line++;
            if (runStart < 0) runStart = i;
          }
          continue;
        }
        if (c === QUOTE) {
          flushRun(i);
          // `""` inside a quoted field is one quote; a quote opening a field starts quoting.
          if (afterQuote) field += '"';
          inQuotes = true;
          afterQuote = false;
        } else if (c === COMMA) {
          flushRun(i);
          fields.push(field);
          field = '';
          afterQuote = false;
        } else if (c === LF) {
          flushRun(i);
          line++;
          finish(out);
        } else if (c === CR) {
          flushRun(i);
        } else {
          if (runStart < 0) runStart = i;
        }
      }
      flushRun(text.length);
      return out;
    },
    /** The last record when the file does not end with a line break. Throws on an unterminated quote. */
    end(): CsvRecord[] {
      if (inQuotes) throw new Error(`line ${recordLine}: a quoted field is not closed before the end of the file`);
      const out: CsvRecord[] = [];
      if (started) finish(out);
      return out;
    },
  };
}

/** One line of a JSON lines file and its (1-based) number. */
export interface TextLine {
  line: number;
  text: string;
}

/** Splits chunks of text into lines (LF or CRLF), skipping blank ones. */
export function createLineSplitter() {
  let rest = '';
  let line = 0;
  let first = true;
  const emit = (raw: string, out: TextLine[]) => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim()) out.push({ line, text });
  };
  return {
    push(chunk: string): TextLine[] {
      let text = chunk;
      if (first && text.length) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const out: TextLine[] = [];
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        emit(rest + text.slice(start, nl), out);
        rest = '';
        start = nl + 1;
      }
      rest += text.slice(start);
      return out;
    },
    end(): TextLine[] {
      const out: TextLine[] = [];
      if (rest) emit(rest, out);
      rest = '';
      return out;
    },
  };
}
