// `npm run demo`: the whole loop on this machine. Starts the broker in dev mode (its own
// process, as `mandate serve`), the tickets API with the verifier following the revocation feed,
// then the agent: SVID -> token -> API calls -> task complete -> the next call is refused; then
// one delegated hop: a research agent's token handed to a summarizer, accepted by the API until
// an operator revokes the research agent's task.
import { runAgent } from './agent/agent.js';
import { runDelegatedHop } from './agent/delegated-hop.js';
import { runDemo, say } from './demo-broker.js';
import { startTicketsApi } from './downstream-api/server.js';

say('demo', 'starting the broker (dev mode, in-memory store)');
process.exit(
  await runDemo({}, async ({ url: brokerUrl, file, apiKey, operatorKey }) => {
    const api = await startTicketsApi({
      issuer: brokerUrl,
      apiKey,
      onRevocation: (e) =>
        say('api', `feed: ${e.kind} revoked (${e.reason}) ${e.task ?? e.jti ?? e.agent}`),
    });
    say('api', `tickets API on ${api.url}, verifier following ${brokerUrl}/v1/revocations/stream`);
    try {
      const { refusedAfterComplete } = await runAgent({
        brokerUrl,
        apiUrl: api.url,
        config: file,
        say: (line) => say('agent', line),
      });
      say(
        'demo',
        refusedAfterComplete
          ? 'done: the task ended and its token stopped working at the API at once.'
          : 'FAILED: the API still accepted the token after the task ended.',
      );
      say('demo', 'one delegated hop: a research agent hands its token to a summarizer');
      const { acceptedDelegated, refusedAfterRevoke } = await runDelegatedHop({
        brokerUrl,
        apiUrl: api.url,
        config: file,
        operatorKey,
        say,
      });
      const delegatedOk = acceptedDelegated && refusedAfterRevoke;
      say(
        'demo',
        delegatedOk
          ? "done: the summarizer's token worked until the research task was revoked, then stopped at once."
          : acceptedDelegated
            ? "FAILED: the API still accepted the summarizer's token after the research task was revoked."
            : "FAILED: the API refused the summarizer's delegated token.",
      );
      return refusedAfterComplete && delegatedOk;
    } finally {
      await api.close();
    }
  }),
);
