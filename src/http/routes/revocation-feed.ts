import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { DEFAULTS } from '../../config/defaults.js';
import { MandateError, isMandateError } from '../../errors.js';
import type { ApiKeys } from '../../operators/api-keys.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { ShutdownSignal } from '../../platform/shutdown-signal.js';
import {
  compareFeedIds,
  isFeedId,
  type RevocationEntry,
} from '../../revocation/revocation-entry.js';
import { visibleTo } from '../../revocation/feed-audiences.js';
import type { RevocationFeedReader } from '../../revocation/revocation-feed-reader.js';
import { noStore } from '../parse-body.js';
import { operatorOf, requireOperator } from '../require-operator.js';
import { parseParams } from './query.js';

/** SSE comment sent this often so proxies keep the stream open and clients see it alive. */
const HEARTBEAT_MS = 2000;

const feedId = z.string().refine(isFeedId, 'not a feed id (<ms>-<seq>)');
const pollQuery = z.object({ since: feedId.optional() });

/**
 * The revocation feed: `GET /v1/revocations?since=` (poll) and `GET /v1/revocations/stream`
 * (SSE, resumes after `Last-Event-ID`), for callers holding `resource_server` or `viewer`.
 */
export function revocationFeedRoutes(options: {
  operatorKeys: ApiKeys;
  revocationFeed: RevocationFeedReader;
  clock: Clock;
  logger: Logger;
  shutdown: Pick<ShutdownSignal, 'begun' | 'onBegin'>;
}): Router {
  const { revocationFeed: feed, clock } = options;
  const asViewer = requireOperator(options.operatorKeys, 'viewer');
  const asResourceServer = requireOperator(options.operatorKeys, 'resource_server');
  const reader: RequestHandler = (req, res, next) => {
    asViewer(req, res, (err?: unknown) => {
      if (isMandateError(err) && err.code === 'insufficient_scope') {
        asResourceServer(req, res, next);
        return;
      }
      next(err);
    });
  };

  /** A new stream while draining would only be cut: the client goes to another replica. */
  const refuseWhileShuttingDown = () => {
    if (options.shutdown.begun) {
      throw new MandateError('temporarily_unavailable', 'the broker is shutting down', {
        retryAfter: 1,
      });
    }
  };

  const poll: RequestHandler = async (req, res) => {
    const { since } = parseParams(pollQuery, req.query);
    const page = await feed.revocations(since, DEFAULTS.maxListItems);
    // the cursor moves past what the filter left out, so the reader never asks for it again
    res.json({
      ...page,
      revocations: page.revocations.filter(visibleTo(operatorOf(req).audiences)),
    });
  };

  const stream: RequestHandler = async (req, res) => {
    const header = req.get('last-event-id');
    const resumeFrom = header === undefined ? undefined : parseParams(feedId, header.trim());
    refuseWhileShuttingDown();
    // Watched from the start: a client may hang up while the watch is being set up, and
    // nothing it left behind (listener, heartbeat) may outlive it.
    let gone = false;
    let stop = () => {
      gone = true;
    };
    res.on('close', () => stop());
    let cursor = resumeFrom;
    let replaying = true;
    const held: RevocationEntry[] = [];
    const visible = visibleTo(operatorOf(req).audiences);
    const send = (entry: RevocationEntry) => {
      if (!visible(entry)) return;
      if (cursor !== undefined && compareFeedIds(entry.id, cursor) <= 0) return;
      cursor = entry.id;
      res.write(`id: ${entry.id}\nevent: revocation\ndata: ${JSON.stringify(entry)}\n\n`);
    };
    // Watch first, replay second: an entry appended in between is held, not lost.
    const unwatch = await feed.watchRevocations((entry) => {
      if (replaying) held.push(entry);
      else send(entry);
    });
    if (gone) {
      unwatch();
      return;
    }
    if (options.shutdown.begun) {
      unwatch();
      refuseWhileShuttingDown();
    }
    const closeStream = openEventStream(res, { clock, shutdown: options.shutdown });
    stop = () => {
      gone = true;
      closeStream();
      unwatch();
    };
    try {
      if (resumeFrom !== undefined) {
        // pages follow their own cursor: entries left out by the audience filter move it too
        let from: string = resumeFrom;
        for (;;) {
          const page = await feed.revocations(from, DEFAULTS.maxListItems);
          if (gone) return;
          page.revocations.forEach(send);
          from = page.cursor;
          if (page.revocations.length < DEFAULTS.maxListItems) break;
        }
      }
    } catch (err) {
      options.logger.warn({ err }, 'revocation replay failed; closing the stream');
      stop();
      res.end();
      return;
    }
    replaying = false;
    held.forEach(send);
  };

  return Router()
    .get('/v1/revocations', noStore, reader, poll)
    .get('/v1/revocations/stream', reader, stream);
}

/**
 * Answers 200 `text/event-stream` and keeps the stream alive with heartbeats; on shutdown the
 * stream ends cleanly and the client reconnects to another replica. Returns what stops both.
 */
function openEventStream(
  res: Response,
  options: { clock: Clock; shutdown: Pick<ShutdownSignal, 'onBegin'> },
): () => void {
  const heartbeat = setInterval(() => {
    res.write(`: heartbeat ${options.clock.now()}\n\n`);
  }, HEARTBEAT_MS);
  const forget = options.shutdown.onBegin(() => res.end());
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  return () => {
    clearInterval(heartbeat);
    forget();
  };
}
