import type { AuditRecord, ChainHead } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';

/** Where the stdout sink writes: the process's stdout, or what a test or embedder hands in. */
export interface LineWriter {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
}

/**
 * Writes each audit record as one JSON line on stdout. Every line starts with
 * `{"mandate_audit":1,` and has no `level`, so a collector routes audit lines apart from the
 * operational log (pino lines, which always carry `level`). It cannot read back what it wrote:
 * a restart continues the chain from another sink, or begins a new one.
 *
 * @example
 * const sink = new StdoutAuditSink(process.stdout);
 */
export class StdoutAuditSink implements AuditSink {
  readonly kind = 'stdout' as const;
  readonly #out: LineWriter;

  constructor(out: LineWriter) {
    this.#out = out;
  }

  append(_record: AuditRecord, line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#out.write(`${line}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }

  head(): Promise<ChainHead | null> {
    return Promise.resolve(null);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
