import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { AuditRecord, ChainHead } from './audit-record.js';
import { headOf, type AuditSink } from './audit-sink.js';

/** A JSON-lines file with size-based rotation. */
export interface FileSinkOptions {
  readonly path: string;
  /** Rotate before a write would take the file past this many bytes. */
  readonly maxBytes: number;
  /** Rotated files kept: `<path>.1` (newest) to `<path>.<keep>`. */
  readonly keep: number;
}

/** How far back from a file's end a restart looks for its instance's last record. */
const TAIL_BYTES = 1 << 20;

interface Pending {
  readonly text: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Appends audit records to a JSON-lines file, one line each, in the order given. Records that
 * arrive while a write is in flight go out together in the next one, so the file costs one
 * `write` per burst, not per exchange. Before a write would pass `maxBytes` the file is rotated
 * (`path` -> `path.1` -> ... -> `path.<keep>`, the oldest dropped).
 *
 * @example
 * const sink = await FileAuditSink.open({ path: '/var/log/mandate/audit.jsonl', maxBytes: 100e6, keep: 5 });
 */
export class FileAuditSink implements AuditSink {
  readonly kind = 'file' as const;
  readonly #o: FileSinkOptions;
  #size: number;
  #pending: Pending[] = [];
  #writing: Promise<void> | undefined;
  /** Open for appending between writes; dropped on a failure, so the next write opens afresh. */
  #handle: FileHandle | undefined;

  private constructor(options: FileSinkOptions, size: number) {
    this.#o = options;
    this.#size = size;
  }

  /** Opens the sink; the file need not exist yet. */
  static async open(options: FileSinkOptions): Promise<FileAuditSink> {
    const size = await stat(options.path).then(
      (s) => s.size,
      () => 0,
    );
    return new FileAuditSink(options, size);
  }

  append(_record: AuditRecord, line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ text: `${line}\n`, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      const text = batch.map((p) => p.text).join('');
      const bytes = Buffer.byteLength(text);
      try {
        if (this.#size > 0 && this.#size + bytes > this.#o.maxBytes) await this.#rotate();
        await this.#append(text);
        this.#size += bytes;
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.#writing = undefined;
  }

  async #append(text: string): Promise<void> {
    this.#handle ??= await open(this.#o.path, 'a');
    try {
      await this.#handle.write(text);
    } catch (err) {
      await this.#release();
      throw err;
    }
  }

  async #release(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  async #rotate(): Promise<void> {
    await this.#release();
    const { path, keep } = this.#o;
    await rm(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i -= 1)
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(ignoreMissing);
    await rename(path, `${path}.1`);
    this.#size = 0;
  }

  /** The last record of `instance` in the file's tail, else in the newest rotated file's. */
  async head(instance: string): Promise<ChainHead | null> {
    return (
      (await lastOf(this.#o.path, instance)) ??
      (this.#o.keep > 0 ? await lastOf(`${this.#o.path}.1`, instance) : null)
    );
  }

  async close(): Promise<void> {
    await this.#writing;
    await this.#release();
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

/** The last record of `instance` within the last MiB of `file`; null when none or no file. */
async function lastOf(file: string, instance: string): Promise<ChainHead | null> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const head = headOf(parseLine(lines[i]!), instance);
      if (head) return head;
    }
    return null;
  } finally {
    await handle.close();
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
