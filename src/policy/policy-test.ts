import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isMandateError } from '../errors.js';
import {
  evaluateCase,
  evaluationCaseSchema,
  type Evaluation,
  type EvaluationContext,
} from './evaluation-case.js';

/** A policy test file: cases of who asks for what, and the expected answer per scope. */
const testFileSchema = z.strictObject({
  cases: z
    .array(
      evaluationCaseSchema.extend({
        name: z.string().min(1),
        expect: z.record(z.string(), z.enum(['allow', 'deny'])),
      }),
    )
    .min(1),
});

/** The outcome of one case. */
export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  /** What went wrong, one line each: a scope answered otherwise, or the case could not run. */
  readonly failures: readonly string[];
}

/**
 * Runs a YAML test file against a policy set: every case's scopes must be answered as
 * expected, like `opa test`. Scopes a case requests but does not expect are not checked.
 *
 * @example
 * const results = runPolicyTests('config/policies/examples.test.yaml', context);
 */
export function runPolicyTests(file: string, ctx: EvaluationContext): CaseResult[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    return [{ name: file, ok: false, failures: [`cannot read: ${(err as Error).message}`] }];
  }
  const parsed = testFileSchema.safeParse(raw);
  if (!parsed.success) {
    return [
      {
        name: file,
        ok: false,
        failures: parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`),
      },
    ];
  }
  return parsed.data.cases.map((c) => {
    let evaluation: Evaluation;
    try {
      evaluation = evaluateCase(c, ctx);
    } catch (err) {
      return {
        name: c.name,
        ok: false,
        failures: [isMandateError(err) ? err.message : String(err)],
      };
    }
    const failures: string[] = [];
    for (const [scope, expected] of Object.entries(c.expect)) {
      const got = evaluation.scopes.find((s) => s.scope === scope);
      if (!got) failures.push(`${scope}: expected ${expected}, but the case does not request it`);
      else if (got.decision !== expected) {
        const why = got.policy_ids.length > 0 ? `by ${got.policy_ids.join(', ')}` : 'by default';
        failures.push(`${scope}: expected ${expected}, got ${got.decision} (${why})`);
      }
    }
    failures.push(...evaluation.errors.map((e) => `evaluation error: ${e}`));
    return { name: c.name, ok: failures.length === 0, failures };
  });
}
