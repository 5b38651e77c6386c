import '../platform/v8-flags.js';
import { ConfigError } from '../config/load-config.js';
import { PolicyLoadError } from '../policy/load-policy-set.js';
import { buildProgram } from './program.js';

// The entry of the `mandate` command (bin/mandate.js imports it). Commander reports usage
// errors itself (exit 1); anything thrown by a command is one line on stderr, exit 1.
buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof PolicyLoadError)
      process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`mandate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
