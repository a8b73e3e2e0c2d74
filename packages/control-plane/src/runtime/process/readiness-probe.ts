import { request } from 'node:http';

/** Outcome of one probe: ok on 2xx; `detail` says what was seen ("HTTP 503", "ECONNREFUSED"). */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * One HTTP GET to 127.0.0.1:`port``path`. Never rejects. Uses a fresh connection with
 * "connection: close" so no idle keep-alive socket delays the instance's graceful shutdown.
 */
export function probeHttp(port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { connection: 'close' } }, (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', () => undefined); // a reset mid-body must not become an uncaught error
        res.resume();
        settle({ ok: status >= 200 && status < 300, detail: `HTTP ${status}` });
      });
    } catch (error) {
      // A malformed path (e.g. with spaces) throws synchronously: a failed probe, not a crash.
      resolve({ ok: false, detail: error instanceof Error ? error.message : String(error) });
      return;
    }
    const timer = setTimeout(() => {
      settle({ ok: false, detail: `no answer within ${timeoutMs}ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, detail: error.code ?? error.message }));
    req.end();
  });
}
