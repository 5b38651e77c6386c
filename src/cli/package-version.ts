import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package whose version `mandate --version` prints. */
const PACKAGE_NAME = 'mandate';

/**
 * The version in the nearest package.json named `mandate` above `from`. Walking up, rather than
 * a fixed `../../package.json`, finds it from the sources (src/cli/) and from the build
 * (dist/src/cli/) alike, and skips any package.json in between that is not the package's.
 *
 * @example
 * packageVersion(import.meta.url); // '0.1.0'
 */
export function packageVersion(from: string | URL): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`no package.json named ${PACKAGE_NAME} above ${String(from)}`);
    dir = parent;
  }
}
