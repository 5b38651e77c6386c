import { Router, type RequestHandler } from 'express';
import type { ApiKeys } from '../../operators/api-keys.js';
import {
  evaluateCase,
  parseEvaluationCase,
  type EvaluationContext,
} from '../../policy/evaluation-case.js';
import { noStore, parseBody } from '../parse-body.js';
import { requireOperator } from '../require-operator.js';

/**
 * `POST /v1/policy/evaluate` (viewer): a dry run of policy for a principal and a request, with
 * the decision per scope, the deciding policy ids and evaluation errors. Nothing is recorded.
 */
export function policyEvaluateRoutes(options: {
  operatorKeys: ApiKeys;
  maxBodyBytes: number;
  /** The serving policy and the config's catalogue and tiers, read at each call. */
  evaluationContext: () => EvaluationContext;
}): Router {
  const evaluate: RequestHandler = (req, res) => {
    res.json(evaluateCase(parseEvaluationCase(req.body), options.evaluationContext()));
  };
  return Router().post(
    '/v1/policy/evaluate',
    noStore,
    requireOperator(options.operatorKeys, 'viewer'),
    parseBody(options.maxBodyBytes),
    evaluate,
  );
}
