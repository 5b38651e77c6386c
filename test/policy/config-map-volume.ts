import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder laid out the way the kubelet mounts a ConfigMap volume, updated the way it updates
 * one (its "atomic writer"): each version of the data is a hidden `..<timestamp>` folder,
 * `..data` is a symlink to the current one, and every key is a symlink `key -> ..data/key`.
 * An update writes a new timestamped folder, points `..data_tmp` at it, renames `..data_tmp`
 * over `..data` (the one atomic step), adds or removes the per-key links, and deletes the old
 * folder. No file the broker reads is ever written in place.
 */
export class ConfigMapVolume {
  readonly dir: string;
  #version = 0;
  #current: string | undefined;
  #keys = new Set<string>();

  constructor(data: Record<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), 'mandate-configmap-'));
    this.update(data);
  }

  /** Replaces the whole data of the ConfigMap, as `kubectl apply` of a new version would. */
  update(data: Record<string, string>): void {
    this.#version += 1;
    const version = `..2030_01_01_00_00_00.${String(this.#version).padStart(9, '0')}`;
    mkdirSync(join(this.dir, version));
    for (const [key, text] of Object.entries(data))
      writeFileSync(join(this.dir, version, key), text);
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const key of Object.keys(data)) {
      if (!this.#keys.has(key)) symlinkSync(join('..data', key), join(this.dir, key));
    }
    for (const key of this.#keys) {
      if (!(key in data)) rmSync(join(this.dir, key));
    }
    this.#keys = new Set(Object.keys(data));
    if (this.#current !== undefined) rmSync(join(this.dir, this.#current), { recursive: true });
    this.#current = version;
  }

  /** Deletes the folder. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
