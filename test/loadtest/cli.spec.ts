import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { main, type CliIo } from '../../apps/loadtest/src/cli';
import type { Report } from '../../apps/loadtest/src/report';

/** A loopback server: 200 for the first `admit` requests, 429 with Retry-After after. */
async function startServer(admit: number, handler?: (req: IncomingMessage, res: ServerResponse) => boolean) {
  let seen = 0;
  const server: Server = createServer((req, res) => {
    if (handler?.(req, res)) return;
    seen++;
    if (seen <= admit) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"msg":"Hello Hello!"}');
    } else {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"statusCode":429,"error":"Too Many Requests"}');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get seen() {
      return seen;
    },
    server,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Captures what the CLI writes. */
function captureIo(extra: Partial<CliIo> = {}, tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s), isTTY: tty, columns: 120 },
    ...extra,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

function count(text: string, label: string): number | undefined {
  const escaped = label.replace(/[()]/g, '\\$&');
  const match = new RegExp(`^\\s*${escaped}\\s*:(\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

describe('loadtest CLI (in process, loopback)', () => {
  it('flood -n 50 -c 10: the table counts are exact', async () => {
    const srv = await startServer(20);
    try {
      const cap = captureIo();
      const code = await main(['-t', `${srv.url}/hi`, '-n', '50', '--flood', '-c', '10', '--rate', '5/s'], cap.io);
      expect(code).toBe(0);
      const text = cap.stdout();
      expect(count(text, '200 (OK)')).toBe(20);
      expect(count(text, '429 (Too Many Requests)')).toBe(30);
      expect(text).toMatch(/^sent 50, completed 50 in [\d.]+ s: [\d.]+ req\/s$/m);
      expect(text).toMatch(/^latency ms: p50 [\d.]+ {2}p90 [\d.]+ {2}p99 [\d.]+ {2}max [\d.]+ {2}\(50 responses\)$/m);
      // 20 admissions within well under a second of each other.
      expect(text).toContain('max admitted in any 1s window: 20 (rate allows 5)  OVER THE LIMIT');
      expect(srv.seen).toBe(50);
      expect(cap.stderr()).toBe(''); // not a TTY: no progress bar
    } finally {
      await srv.close();
    }
  });

  it('paced -n 10 -d 0.5: takes about the duration and reports 10 requests', async () => {
    const srv = await startServer(3);
    try {
      const cap = captureIo();
      const started = performance.now();
      const code = await main(['-t', `${srv.url}/hi`, '-n', '10', '-d', '0.5', '--json', '--rate', '1/s'], cap.io);
      const tookMs = performance.now() - started;
      expect(code).toBe(0);
      expect(tookMs).toBeGreaterThanOrEqual(450); // the last request is due at 450 ms
      const report = JSON.parse(cap.stdout()) as Report;
      expect(report).toMatchObject({
        mode: 'paced',
        sent: 10,
        completed: 10,
        notSent: 0,
        statuses: { '200': 3, '429': 7 },
        errors: {},
        stoppedBy: null,
      });
      expect(report.elapsedMs).toBeGreaterThanOrEqual(450);
      expect(report.targetRequestsPerSecond).toBe(20);
      expect(report.window).toMatchObject({ limit: 1, windowMs: 1_000, maxAdmitted: 3 });
      expect(report.latencyMs?.count).toBe(10);
    } finally {
      await srv.close();
    }
  });

  it('opens a new connection per request with --no-keepalive, and reuses connections without it', async () => {
    const srv = await startServer(100);
    let sockets = 0;
    srv.server.on('connection', () => sockets++);
    try {
      await main(['-t', `${srv.url}/hi`, '-n', '10', '--flood', '-c', '1', '--no-keepalive'], captureIo().io);
      expect(sockets).toBe(10);
      sockets = 0;
      await main(['-t', `${srv.url}/hi`, '-n', '10', '--flood', '-c', '1'], captureIo().io);
      expect(sockets).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it('goes round-robin over several targets and breaks the report down per target', async () => {
    const a = await startServer(1_000);
    const b = await startServer(0);
    try {
      const cap = captureIo();
      expect(await main(['-t', `${a.url}/hi,${b.url}/?api_key=K`, '-n', '40', '--flood', '-c', '4', '--json'], cap.io)).toBe(0);
      const report = JSON.parse(cap.stdout()) as Report;
      expect(report.statuses).toEqual({ '200': 20, '429': 20 });
      expect(report.perTarget?.map((t) => [t.target, t.statuses])).toEqual([
        [`${a.url}/hi`, { '200': 20 }],
        [`${b.url}/?api_key=K`, { '429': 20 }],
      ]);
      expect([a.seen, b.seen]).toEqual([20, 20]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('counts refused connections as ECONNREFUSED and still exits 0', async () => {
    const srv = await startServer(0);
    const deadUrl = srv.url;
    await srv.close(); // nothing listens there now
    const cap = captureIo();
    expect(await main(['-t', `${deadUrl}/hi`, '-n', '3', '--flood', '-c', '1'], cap.io)).toBe(0);
    expect(count(cap.stdout(), 'ECONNREFUSED')).toBe(3);
    expect(cap.stdout()).toContain('latency: no responses');
  });

  it('times out requests that never answer, as the error class "timeout"', async () => {
    const srv = await startServer(0, (req) => req.url === '/hang'); // never answers /hang
    try {
      const cap = captureIo();
      const started = performance.now();
      expect(await main(['-t', `${srv.url}/hang`, '-n', '4', '--flood', '-c', '4', '--timeout', '200', '--json'], cap.io)).toBe(0);
      const report = JSON.parse(cap.stdout()) as Report;
      expect(report).toMatchObject({ completed: 4, statuses: {}, errors: { timeout: 4 } });
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await srv.close();
    }
  });

  it('stops at once when interrupted and reports in-flight requests as aborted', async () => {
    const stop = new AbortController();
    let hung = 0;
    const srv = await startServer(0, () => {
      if (++hung === 3) stop.abort(); // every request hangs; stop once three have arrived
      return true;
    });
    try {
      const cap = captureIo({ stop: stop.signal });
      expect(await main(['-t', `${srv.url}/`, '-n', '10', '--flood', '-c', '3', '--timeout', '60000', '--json'], cap.io)).toBe(0);
      const report = JSON.parse(cap.stdout()) as Report;
      expect(report).toMatchObject({ sent: 3, notSent: 7, completed: 3, errors: { aborted: 3 }, stoppedBy: 'interrupted' });
    } finally {
      await srv.close();
    }
  });

  it('draws a progress bar on stderr only when it is a TTY', async () => {
    const srv = await startServer(5);
    try {
      const cap = captureIo({}, true);
      expect(await main(['-t', `${srv.url}/`, '-n', '5', '--flood'], cap.io)).toBe(0);
      expect(cap.stderr()).toContain('\r[');
      expect(cap.stderr().endsWith('\r\x1b[K')).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('prints usage for --help (exit 0) and a clear error for bad usage (exit 2)', async () => {
    const help = captureIo();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: npm run loadtest -- -t URL/);
    const bad = captureIo();
    expect(await main(['-t', 'ftp://x/', '-n', '5'], bad.io)).toBe(2);
    expect(bad.stderr()).toBe('loadtest: bad target "ftp://x/": protocol must be http: or https:, got ftp:\nRun with --help for usage.\n');
    expect(bad.stdout()).toBe('');
    const zero = captureIo();
    expect(await main(['-t', 'http://127.0.0.1:1/', '-n', '0'], zero.io)).toBe(2);
    expect(zero.stderr()).toContain('-n must be from 1 to 10000000, got 0');
  });
});
