/**
 * Puts one route in front of whatever already listens for an HTTP server's requests: a request the route answers
 * never reaches the other listeners; any other request goes on to them unchanged. Used for GitHub's webhooks, so
 * they skip the per-request logging a framework's server does before its handlers.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function routeFirst(server: Server, route: Route, log?: { error(message: string): void }): void {
  const others = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).then(
      (answered) => {
        if (!answered) for (const listener of others) listener.call(server, req, res);
      },
      (error: unknown) => {
        log?.error(`${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });
}
