import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { AgentActions } from '../agent-actions/agent-actions.js';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { AuditSinkHealth } from '../audit/audit-sink.js';
import type { RedisAuditReader } from '../audit/redis-audit-reader.js';
import { MandateError } from '../errors.js';
import type { TokenExchange } from '../exchange/token-exchange.js';
import type { TransactionTokenExchange } from '../exchange/transaction-token-exchange.js';
import type { Catalogue } from '../intent/catalogue.js';
import type { TokenIntrospection } from '../introspection/introspect-token.js';
import type { Metrics } from '../metrics/metrics.js';
import type { OperatorAgentActions } from '../operator-actions/operator-agent-actions.js';
import type { OperatorReads } from '../operator-actions/operator-reads.js';
import type { OperatorTaskActions } from '../operator-actions/operator-task-actions.js';
import type { ApiKeys } from '../operators/api-keys.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ShutdownSignal } from '../platform/shutdown-signal.js';
import type { EvaluationContext } from '../policy/evaluation-case.js';
import type { RevocationFeedReader } from '../revocation/revocation-feed-reader.js';
import type { KeyRing } from '../tokens/key-ring.js';
import { errorHandler } from './error-handler.js';
import { approvalRoutes } from './routes/approvals.js';
import { auditRoutes } from './routes/audit.js';
import { healthRoutes } from './routes/health.js';
import { introspectRoutes } from './routes/introspect.js';
import { metricsRoutes } from './routes/metrics.js';
import { operatorAgentRoutes } from './routes/operator-agents.js';
import { operatorTaskRoutes } from './routes/operator-tasks.js';
import { policyEvaluateRoutes } from './routes/policy-evaluate.js';
import { revocationFeedRoutes } from './routes/revocation-feed.js';
import { revokeRoutes } from './routes/revoke.js';
import { taskCompleteRoutes } from './routes/task-complete.js';
import { isTokenEndpoint, tokenExchangeHandler } from './routes/token-exchange.js';
import { wellKnownRoutes } from './routes/well-known.js';

/**
 * What the HTTP layer serves: the use cases it calls and what it publishes. It knows nothing of
 * Redis, Cedar, key files or the grant store.
 */
export interface HttpAppOptions {
  readonly issuer: string;
  /** API keys of operators and resource servers, for the /v1 routes and /introspect. */
  readonly operatorKeys: ApiKeys;
  readonly exchange: TokenExchange;
  /** Transaction tokens for live access tokens (`requested_token_type` txn_token). */
  readonly transactionTokens: TransactionTokenExchange;
  readonly keyRing: KeyRing;
  /** The resources tokens are minted for; their scopes are published in the metadata. */
  readonly catalogue: Catalogue;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Trust domains still waiting for their first bundle: the broker is not ready while any is. */
  readonly pendingTrustDomains: () => readonly string[];
  /** Resolves when the grant store can serve requests (`/readyz`); rejects otherwise. */
  readonly pingStore: () => Promise<void>;
  /** Members a ready `/readyz` adds (e.g. `aws_revocation`); absent: none. */
  readonly readinessDetail?: () => Record<string, unknown>;
  /** Why `/readyz` must wait (the other workers still warming); absent: never. */
  readonly warming?: () => string | undefined;
  /** `/metrics` of every worker, aggregated; absent: this process's registry. */
  readonly scrapeMetrics?: () => Promise<string>;
  /** Each audit sink's state, shown by `/readyz`. */
  readonly auditHealth: () => readonly AuditSinkHealth[];
  /** `audit.required`: a failing sink makes the broker not ready (exchanges are refused). */
  readonly auditRequired: boolean;
  /** The Redis audit stream `GET /v1/audit` reads; absent without a Redis sink. */
  readonly auditReader?: Pick<RedisAuditReader, 'page'>;
  /** Approvals operators decide on (`/v1/approvals`). */
  readonly approvals: ApprovalGate;
  /** What `/v1/policy/evaluate` evaluates with, read at each call (policy reloads). */
  readonly evaluationContext: () => EvaluationContext;
  /** An agent revokes its token or completes its task. */
  readonly agentActions: AgentActions;
  /** RFC 7662 answers for resource servers. */
  readonly introspection: TokenIntrospection;
  /** What operators read: grants, tasks, an agent's block. */
  readonly operatorReads: OperatorReads;
  /** An operator revokes a grant or task, or resumes a task. */
  readonly operatorTasks: OperatorTaskActions;
  /** An operator revokes, blocks or unblocks an agent. */
  readonly operatorAgents: OperatorAgentActions;
  /** The revocation feed (`/v1/revocations`). */
  readonly revocationFeed: RevocationFeedReader;
  /** Heartbeats of the feed's stream. */
  readonly clock: Clock;
  /** Begun on SIGTERM: `/readyz` answers 503 and SSE streams end. */
  readonly shutdown: Pick<ShutdownSignal, 'begun' | 'onBegin'>;
  /** False when the operator API has a listener of its own (`admin.listen`). */
  readonly withOperatorApi: boolean;
  /** The listener `/metrics` is served on (`admin.metrics`, `admin.listen`). */
  readonly metricsOn: 'public' | 'admin' | 'nowhere';
}

/** Every answer, refusals included: a browser must never guess a type the broker did not send. */
const noSniff: RequestHandler = (_req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  next();
};

function newApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(noSniff);
  return app;
}

function finish(app: Express, options: HttpAppOptions): Express {
  app.use((req, _res, next) => {
    next(new MandateError('not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(options.logger));
  return app;
}

/** Mounts the operator API (everything under /v1 that takes an operator API key). */
function mountOperatorApi(app: Express, options: HttpAppOptions): void {
  app.use(revocationFeedRoutes(options));
  app.use(operatorTaskRoutes(options));
  app.use(operatorAgentRoutes(options));
  app.use(approvalRoutes(options));
  app.use(policyEvaluateRoutes(options));
  app.use(auditRoutes(options));
}

/** What a listener serves: its node:http request listener, and the express app behind it. */
export interface HttpApp {
  /** Hands each request to the lean route it is for, else to `express`. */
  readonly listener: RequestListener;
  /** Every route but the lean ones, and the one error handler. */
  readonly express: Express;
  /** The routes served on node:http alone, before express (`METHOD /path`). */
  readonly leanRoutes: readonly string[];
}

/**
 * Builds the public listener's app: `POST /token-exchange` on node:http alone (it runs before
 * every tool call: no router, no middleware chain), and express for the agent and
 * resource-server routes, with the one error handler.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const app = newApp();
  app.use(revokeRoutes(options));
  app.use(introspectRoutes(options));
  app.use(taskCompleteRoutes(options));
  app.use(wellKnownRoutes(options));
  app.use(healthRoutes(options));
  if (options.metricsOn === 'public') app.use(metricsRoutes(options));
  if (options.withOperatorApi) mountOperatorApi(app, options);
  const expressApp = finish(app, options);
  const tokenEndpoint = tokenExchangeHandler(options);
  return {
    listener: (req: IncomingMessage, res: ServerResponse) => {
      if (isTokenEndpoint(req)) tokenEndpoint(req, res);
      else expressApp(req, res);
    },
    express: expressApp,
    leanRoutes: ['POST /token-exchange'],
  };
}

/**
 * Builds the app of the separate operator listener: the operator API, health checks and (by
 * default) `/metrics`.
 */
export function createAdminApp(options: HttpAppOptions): HttpApp {
  const app = newApp();
  app.use(healthRoutes(options));
  if (options.metricsOn === 'admin') app.use(metricsRoutes(options));
  mountOperatorApi(app, options);
  const expressApp = finish(app, options);
  return { listener: expressApp, express: expressApp, leanRoutes: [] };
}
