/**
 * A policy or schema file's text, able to turn Cedar's byte offsets into `file:line`.
 *
 * @example
 * new SourceText('agents.cedar', text).where(120); // "agents.cedar:7"
 */
export class SourceText {
  readonly name: string;
  readonly text: string;
  readonly byteLength: number;
  /** Byte offset at which each line starts. */
  readonly #lineStarts: number[];

  constructor(name: string, text: string) {
    this.name = name;
    this.text = text;
    const bytes = Buffer.from(text, 'utf8');
    this.byteLength = bytes.length;
    this.#lineStarts = [0];
    for (let i = 0; i < bytes.length; i += 1) {
      if (bytes[i] === 0x0a) this.#lineStarts.push(i + 1);
    }
  }

  /** The 1-based line holding byte `offset`. */
  line(offset: number): number {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.#lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /** `name:line` for byte `offset`. */
  where(offset: number): string {
    return `${this.name}:${this.line(offset)}`;
  }
}
