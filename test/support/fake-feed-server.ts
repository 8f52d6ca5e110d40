/**
 * A local stand-in for mempool.space's `GET /api/mempool`, for the twin's `--live` path and the HTTP
 * adapter: it answers the documented shape (test/fixtures/feed/), dated by the clock it is given (the twin's),
 * or misbehaves on request: a server error, no answer until the client gives up, garbage, a dropped connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import feed from '../fixtures/feed/mempool-answers.json';

export type FeedBehaviour = 'answer' | 'error' | 'timeout' | 'garbage' | 'drop' | 'huge';

export interface FakeFeed {
  url: string;
  /** What every request gets from now on. */
  behave(behaviour: FeedBehaviour): void;
  /** Requests received, by behaviour served. */
  readonly served: FeedBehaviour[];
  close(): Promise<void>;
}

const DOCUMENTED = JSON.parse(feed.answers.documentedExample.body) as { count: number; vsize: number; total_fee: number; fee_histogram: number[][] };

/** The documented answer, its level moved a little with the minute so a series has some shape. */
export function answerAt(time: number): string {
  const minute = Math.floor(time / 60_000);
  const count = DOCUMENTED.count + (minute % 60) * 10;
  const avgFee = 3000 + 600 * Math.sin(minute / 30);
  return JSON.stringify({ ...DOCUMENTED, count, vsize: Math.round((DOCUMENTED.vsize / DOCUMENTED.count) * count), total_fee: Math.round(count * avgFee) });
}

export async function startFakeFeed(options: { now?: () => number } = {}): Promise<FakeFeed> {
  const now = options.now ?? Date.now;
  let behaviour: FeedBehaviour = 'answer';
  const served: FeedBehaviour[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    served.push(behaviour);
    const date = new Date(now()).toUTCString();
    switch (behaviour) {
      case 'answer':
        response.writeHead(200, { 'content-type': 'application/json', date }).end(answerAt(now()));
        return;
      case 'error':
        response.writeHead(503, { 'content-type': 'text/html', date }).end('<html><body>503 Service Unavailable</body></html>');
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', date }).end(feed.answers.htmlErrorPage.body);
        return;
      case 'huge':
        response.writeHead(200, { 'content-type': 'application/json', date }).end(`[${'1,'.repeat(1_000_000)}1]`);
        return;
      case 'drop':
        request.socket.destroy();
        return;
      case 'timeout':
        return; // never answers: the client's timeout ends it
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/mempool`,
    behave: (next) => void (behaviour = next),
    served,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
