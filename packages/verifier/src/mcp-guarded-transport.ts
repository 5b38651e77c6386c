import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { VerifiedToken } from './check-access-token.js';
import { callRefusal, toolVisible, type McpToolRules } from './mcp-tool-rules.js';

/** The key under which `extra.authInfo.extra` carries the verified token. */
export const MANDATE_AUTH_KEY = 'mandate';

/** The verified token a message arrived with, from the `AuthInfo` the HTTP layer attached. */
export function tokenOf(
  extra: { readonly authInfo?: AuthInfo | undefined } | undefined,
): VerifiedToken | undefined {
  return extra?.authInfo?.extra?.[MANDATE_AUTH_KEY] as VerifiedToken | undefined;
}

/**
 * A transport between the MCP server and the SDK's HTTP transport that holds each message to the
 * token it came with: a `tools/call` the token may not make is answered here, as a tool error
 * result (`isError: true`), and never reaches the tool; the answer to a `tools/list` keeps only
 * the tools that token may call. No token (a transport used without the HTTP layer) allows
 * nothing.
 */
export class GuardedTransport<T extends Transport = Transport> implements Transport {
  /** The SDK transport underneath, for its `handleRequest`. */
  readonly inner: T;
  readonly #rules: McpToolRules;
  /** The token of each `tools/list` in flight, by request id. */
  readonly #lists = new Map<RequestId, VerifiedToken | undefined>();
  onmessage?: Transport['onmessage'];

  constructor(inner: T, rules: McpToolRules) {
    this.inner = inner;
    this.#rules = rules;
    inner.onmessage = (message, extra) => this.#receive(message, extra);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }
  set onclose(handler: (() => void) | undefined) {
    this.inner.onclose = handler;
  }
  get onclose(): (() => void) | undefined {
    return this.inner.onclose;
  }
  set onerror(handler: ((error: Error) => void) | undefined) {
    this.inner.onerror = handler;
  }
  get onerror(): ((error: Error) => void) | undefined {
    return this.inner.onerror;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isJSONRPCResultResponse(message) && this.#lists.has(message.id)) {
      const token = this.#lists.get(message.id);
      this.#lists.delete(message.id);
      const tools = (message.result as { tools?: unknown }).tools;
      if (Array.isArray(tools)) {
        const shown = tools.filter(
          (tool: { name?: unknown }) =>
            token !== undefined &&
            typeof tool.name === 'string' &&
            toolVisible(token, this.#rules, tool.name),
        );
        message = { ...message, result: { ...message.result, tools: shown } };
      }
    }
    return this.inner.send(message, options);
  }

  #receive(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): void {
    if (isJSONRPCRequest(message) && message.method === 'tools/call') {
      const params = (message.params ?? {}) as { name?: unknown; arguments?: unknown };
      const token = tokenOf(extra);
      const refusal = !token
        ? 'no Mandate token came with this call'
        : callRefusal(token, this.#rules, String(params.name), params.arguments);
      if (refusal !== undefined) {
        this.inner
          .send({
            jsonrpc: '2.0',
            id: message.id,
            result: { content: [{ type: 'text', text: `Refused: ${refusal}.` }], isError: true },
          })
          .catch((err: unknown) => this.inner.onerror?.(err as Error));
        return;
      }
    }
    if (isJSONRPCRequest(message) && message.method === 'tools/list')
      this.#lists.set(message.id, tokenOf(extra));
    this.onmessage?.(message, extra);
  }
}
