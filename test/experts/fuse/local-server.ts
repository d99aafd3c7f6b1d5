/**
 * A real HTTP server on 127.0.0.1 playing an OpenAI-compatible endpoint, for protocol tests: each test
 * scripts its replies; the server records what arrived and how many requests were in flight at once.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export type Reply = (req: ReceivedRequest, index: number, res: ServerResponse) => void | Promise<void>;

export interface LocalServer {
  baseUrl: string;
  requests: ReceivedRequest[];
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startServer(reply: Reply): Promise<LocalServer> {
  const state = { requests: [] as ReceivedRequest[], inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text: the test asserts on it
      }
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() };
      state.requests.push(received);
      void reply(received, state.requests.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function completion(content: unknown, finishReason = 'stop'): string {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
  });
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}
