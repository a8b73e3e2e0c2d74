import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTP server on 127.0.0.1, port 0, recording each request and answering the next scripted status (then the last one). */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Statuses to answer, in order; the last repeats. A 3xx answers Location: `location`. */
  answers: number[];
  close(): Promise<void>;
}

export async function startReceiver(answers: number[] = [200], location = 'http://169.254.169.254/latest/meta-data/'): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const receiver = { received, answers } as { received: ReceivedRequest[]; answers: number[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = receiver.answers.length > 1 ? (receiver.answers.shift() as number) : (receiver.answers[0] ?? 200);
      res.writeHead(status, status >= 300 && status < 400 ? { location } : {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/sluice`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
