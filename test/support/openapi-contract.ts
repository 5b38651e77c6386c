import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import { parse } from 'yaml';

/** The API description the server is held to. */
export const OPENAPI_FILE = resolve(import.meta.dirname, '../../openapi.yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const DOC_ID = 'mandate-openapi';

// ajv-formats is CommonJS exporting the plugin itself; require() gets it without ESM wrapping.
const addFormats = createRequire(import.meta.url)('ajv-formats') as FormatsPlugin;

type Json = Record<string, unknown>;

/** One security requirement: scheme name -> role names (OpenAPI 3.1 allows roles here). */
export type SecurityRequirement = Record<string, string[]>;

/** An operation as the description documents it. */
export interface DocumentedOperation {
  readonly method: string;
  /** The path template, e.g. `/v1/tasks/{task_id}`. */
  readonly path: string;
  readonly operationId: string;
  /** Documented statuses, e.g. `['200', '401']`. */
  readonly statuses: readonly string[];
  /** Alternatives; `[]` is a public operation. */
  readonly security: readonly SecurityRequirement[];
}

/** What a client saw: the request line, the status, the headers and the raw body. */
export interface ObservedResponse {
  readonly method: string;
  /** Path and query, or a full URL. */
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  /** The raw body; undefined when it was not read (a stream), then only headers are checked. */
  readonly body: string | undefined;
}

/** JSON pointer escaping of one segment (RFC 6901), then URI escaping for a `$ref` fragment. */
function segment(value: string): string {
  return encodeURIComponent(value.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function mediaType(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]!.trim().toLowerCase() || undefined;
}

/**
 * `openapi.yaml` as a contract: finds the operation a real request hit by its path template
 * and validates the real answer against the documented status, content type, headers and
 * schema (JSON Schema 2020-12 with ajv, `$ref`s resolved in the document). Remembers what it
 * validated, so a test can list documented answers nobody exercised.
 *
 * @example
 * const contract = loadApiContract();
 * contract.check({ method: 'GET', url: '/healthz', status: 200, headers, body });
 */
export class ApiContract {
  readonly operations: readonly DocumentedOperation[];
  readonly #doc: Json;
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #matchers: { op: DocumentedOperation; pattern: RegExp; params: number }[];
  readonly #validated = new Set<string>();

  constructor(doc: Json) {
    this.#doc = doc;
    // strict: an unknown keyword in a schema is a mistake in the description, not noise. Not
    // strictTypes: `allOf: [Error, {properties: ...}]` narrows a member without repeating `type`.
    this.#ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
    addFormats(this.#ajv);
    // Keywords of the OpenAPI 3.1 schema dialect on top of JSON Schema 2020-12, and the two
    // document members that hold schemas (annotations to ajv: only their schemas are compiled).
    this.#ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
    this.#ajv.addVocabulary(['paths', 'components']);
    this.#ajv.addSchema(
      { $id: DOC_ID, paths: doc.paths, components: doc.components },
      undefined,
      undefined,
      false,
    );
    const paths = (doc.paths ?? {}) as Record<string, Json>;
    this.operations = Object.entries(paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m] !== undefined).map((m) => {
        const op = item[m] as Json;
        return {
          method: m.toUpperCase(),
          path,
          operationId: op.operationId as string,
          statuses: Object.keys(op.responses as Json),
          security: (op.security ?? doc.security ?? []) as SecurityRequirement[],
        };
      }),
    );
    this.#matchers = this.operations
      .map((op) => ({
        op,
        pattern: new RegExp(
          `^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
        ),
        params: (op.path.match(/\{/g) ?? []).length,
      }))
      // A literal segment wins over a parameter, as in the router.
      .sort((a, b) => a.params - b.params);
  }

  /** The documented operation for a request, or an error naming what is undocumented. */
  find(method: string, url: string): DocumentedOperation {
    const path = new URL(url, 'http://contract.invalid').pathname;
    const verb = method.toUpperCase();
    const found = this.#matchers.find((m) => m.op.method === verb && m.pattern.test(path));
    if (!found) throw new Error(`openapi.yaml documents no operation ${verb} ${path}`);
    return found.op;
  }

  /** Validates a real answer; throws an error that says what differs from the description. */
  check(res: ObservedResponse): void {
    const op = this.find(res.method, res.url);
    const where = `${op.method} ${op.path} -> ${res.status}`;
    const pointer = ['paths', op.path, op.method.toLowerCase(), 'responses', String(res.status)];
    if (!op.statuses.includes(String(res.status))) {
      throw new Error(`${where}: status not documented (documented: ${op.statuses.join(', ')})`);
    }
    const [response, at] = this.#deref(pointer);
    this.#checkHeaders(where, response, res.headers);
    const content = response.content as Record<string, unknown> | undefined;
    const type = mediaType(res.headers.get('content-type'));
    if (!content) {
      if (res.body !== undefined && res.body !== '')
        throw new Error(`${where}: documented without a body, but the server sent one`);
    } else {
      if (type === undefined || !(type in content)) {
        throw new Error(
          `${where}: content type ${String(type)} not documented (documented: ${Object.keys(content).join(', ')})`,
        );
      }
      if (res.body !== undefined) {
        const value = type.endsWith('json') ? (JSON.parse(res.body) as unknown) : res.body;
        this.#validate(where, [...at, 'content', type, 'schema'], value);
      }
    }
    this.#validated.add(`${op.method} ${op.path} ${res.status}`);
  }

  /** `METHOD /template STATUS` of every answer validated so far. */
  validated(): ReadonlySet<string> {
    return this.#validated;
  }

  #checkHeaders(where: string, response: Json, headers: Headers): void {
    for (const [name, ref] of Object.entries((response.headers ?? {}) as Json)) {
      const [header, at] = this.#deref(this.#pointerOf(ref) ?? []);
      const value = headers.get(name);
      if (value === null) {
        if (header.required === true) throw new Error(`${where}: header ${name} is missing`);
        continue;
      }
      this.#validate(`${where} header ${name}`, [...at, 'schema'], value);
    }
  }

  /** A document node by pointer segments, following `$ref`s; with its final pointer. */
  #deref(pointer: readonly string[]): [Json, string[]] {
    let at = [...pointer];
    let node = at.reduce<unknown>((n, key) => (n as Json | undefined)?.[key], this.#doc) as Json;
    for (let ref = this.#pointerOf(node); ref; ref = this.#pointerOf(node)) {
      at = ref;
      node = this.#deref(ref)[0];
    }
    if (node === undefined) throw new Error(`openapi.yaml has nothing at /${pointer.join('/')}`);
    return [node, at];
  }

  #pointerOf(node: unknown): string[] | undefined {
    const ref = (node as Json | undefined)?.$ref;
    if (typeof ref !== 'string') return undefined;
    if (!ref.startsWith('#/')) throw new Error(`openapi.yaml: only local $refs are supported`);
    return ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  }

  #validate(where: string, at: readonly string[], value: unknown): void {
    const key = at.join('\u0000');
    let validate = this.#validators.get(key);
    if (!validate) {
      // By reference into the document, so its `#/components/...` references resolve.
      validate = this.#ajv.compile({ $ref: `${DOC_ID}#/${at.map(segment).join('/')}` });
      this.#validators.set(key, validate);
    }
    if (!validate(value)) {
      throw new Error(
        `${where}: body does not match openapi.yaml: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
      );
    }
  }
}

/** Loads and compiles `openapi.yaml`. */
export function loadApiContract(file = OPENAPI_FILE): ApiContract {
  return new ApiContract(parse(readFileSync(file, 'utf8')) as Json);
}

let shared: ApiContract | undefined;

/** The contract shared by the tests of one test file (each file has its own module registry). */
export function apiContract(): ApiContract {
  return (shared ??= loadApiContract());
}

/** A real answer, read and validated against `openapi.yaml`. */
export interface CheckedResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The JSON body, or `{}` for an empty one. */
  readonly body: Record<string, unknown>;
}

/**
 * `fetch`, then {@link ApiContract.check} on the answer: a test that uses it fails when the
 * server answers something `openapi.yaml` does not document.
 */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<CheckedResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  const method = init.method ?? 'GET';
  apiContract().check({ method, url, status: res.status, headers: res.headers, body: text });
  const json = res.headers.get('content-type')?.includes('json') === true && text !== '';
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: json ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/**
 * Validates a JSON answer a test already parsed (e.g. from a helper that returns
 * `{status, body, headers}`); the body is serialised back for the check.
 */
export function expectDocumented(
  method: string,
  url: string,
  answer: { status: number; headers: Headers; body: unknown },
): void {
  const body = JSON.stringify(answer.body);
  apiContract().check({ method, url, status: answer.status, headers: answer.headers, body });
}

/**
 * `fetch` for a stream (SSE): checks status, headers and content type without reading the
 * body, which the caller reads or cancels.
 */
export async function checkedStream(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  const method = init.method ?? 'GET';
  apiContract().check({ method, url, status: res.status, headers: res.headers, body: undefined });
  return res;
}
