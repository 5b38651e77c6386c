// A downstream API protected by Mandate: every route names the scope it needs, and the
// verifier (feed mode) refuses revoked tokens within the feed's propagation delay.
import express, { type Express } from 'express';
import type { Verifier } from '@mandate/verifier';
import { mandateOf, requireMandate } from '@mandate/verifier/express';

/** The tickets API of the demo: read a ticket, comment on it. */
export function createTicketsApi(verifier: Verifier): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '4kb' }));

  app.get('/tickets/:id', requireMandate({ verifier, scopes: ['tickets:read'] }), (req, res) => {
    const token = mandateOf(req);
    // Targets named in the agent's intent narrow the token further than its scopes do.
    if (token.targets.length > 0 && !token.targets.includes(String(req.params.id))) {
      res
        .status(403)
        .json({ error: 'insufficient_scope', error_description: 'not a target of this task' });
      return;
    }
    res.json({
      id: req.params.id,
      title: 'Printer on fire',
      status: 'open',
      read_by: token.agentId,
    });
  });

  app.post(
    '/tickets/:id/comments',
    requireMandate({ verifier, scopes: ['tickets:write'] }),
    (req, res) => {
      const body = req.body as { text?: unknown } | undefined;
      res.status(201).json({
        ticket: req.params.id,
        text: typeof body?.text === 'string' ? body.text : '',
        by: mandateOf(req).agentId,
        task: mandateOf(req).taskId,
      });
    },
  );

  // Ready only while the verifier can tell revoked tokens: a load balancer stops sending traffic.
  app.get('/readyz', (_req, res) => {
    const status = verifier.status();
    res.status(status.fresh ? 200 : 503).json(status);
  });
  return app;
}
