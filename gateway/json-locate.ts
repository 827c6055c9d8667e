// Where a value sits in a JSON text, so a config error can say file:line. JSON.parse gives values without
// positions; this walks the (already valid) text once more and stops at the wanted path.

type PathPart = string | number | symbol;

/** The 1-based line of the value at path (an object member's line is its key's); the deepest existing part wins. */
export function lineOfPath(text: string, path: readonly PathPart[]): number {
  const walker = new Walker(text);
  let offset = 0;
  try {
    walker.skipSpace();
    offset = walker.pos;
    for (const part of path) {
      const found = typeof part === 'number' ? walker.enterIndex(part) : walker.enterKey(String(part));
      if (found === null) break;
      offset = found;
    }
  } catch {
    // A path into something that is not there: the last position found is the best answer.
  }
  return lineAt(text, offset);
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

class Walker {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** Inside the object at pos: moves to the value of key and returns the key's offset, or null without moving on. */
  enterKey(key: string): number | null {
    if (this.text[this.pos] !== '{') return null;
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') return null;
      const keyOffset = this.pos;
      const name = this.readString();
      this.skipSpace();
      this.pos++; // ':'
      this.skipSpace();
      if (name === key) return keyOffset;
      this.skipValue();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  /** Inside the array at pos: moves to element index and returns its offset, or null. */
  enterIndex(index: number): number | null {
    if (this.text[this.pos] !== '[') return null;
    this.pos++;
    for (let i = 0; ; i++) {
      this.skipSpace();
      if (this.text[this.pos] === ']') return null;
      if (i === index) return this.pos;
      this.skipValue();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  private readString(): string {
    const start = this.pos;
    this.pos++;
    while (this.text[this.pos] !== '"') {
      if (this.text[this.pos] === '\\') this.pos++;
      this.pos++;
      if (this.pos >= this.text.length) throw new Error('unterminated string');
    }
    this.pos++;
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private skipValue(): void {
    const c = this.text[this.pos];
    if (c === '"') {
      this.readString();
      return;
    }
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.pos++;
      for (;;) {
        this.skipSpace();
        if (this.text[this.pos] === close) {
          this.pos++;
          return;
        }
        if (c === '{') {
          this.readString();
          this.skipSpace();
          this.pos++;
          this.skipSpace();
        }
        this.skipValue();
        this.skipSpace();
        if (this.text[this.pos] === ',') this.pos++;
      }
    }
    // A number, true, false or null: up to the next delimiter.
    while (this.pos < this.text.length && !/[\s,\]}]/.test(this.text[this.pos]!)) this.pos++;
  }
}
