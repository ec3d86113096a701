import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisProcess } from './server-process';
import { freePort } from '../../../libs/testkit/src';

/** Private TLS-only Redis servers for integration tests, with certificates made by `openssl`. */

const run = promisify(execFile);

/** A CA, a server certificate it signed (for localhost and 127.0.0.1), and an unrelated CA. */
export interface TestCertificates {
  readonly dir: string;
  readonly caPath: string;
  readonly ca: Buffer;
  /** A CA that signed nothing the server has: a client trusting only it must refuse the server. */
  readonly otherCaPath: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  cleanup(): void;
}

/** True when `openssl` can be run (the TLS suites need it to make certificates). */
export async function opensslAvailable(): Promise<boolean> {
  return run('openssl', ['version']).then(
    () => true,
    () => false,
  );
}

/**
 * Makes the certificates in a temp dir (P-256 keys, valid one day).
 *
 * @example
 * const certs = await makeCertificates();
 * const redis = await startTlsRedis(certs);
 */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'throttle-tls-'));
  const at = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.crt'),
      '-days',
      '1',
      '-subj',
      '/CN=throttle-test-ca',
    ]);
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      at('other-ca.key'),
      '-out',
      at('other-ca.crt'),
      '-days',
      '1',
      '-subj',
      '/CN=unrelated-ca',
    ]);
    await run('openssl', ['req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=localhost']);
    writeFileSync(at('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.crt'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at('server.crt'),
      '-days',
      '1',
      '-extfile',
      at('server.ext'),
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    caPath: at('ca.crt'),
    ca: readFileSync(at('ca.crt')),
    otherCaPath: at('other-ca.crt'),
    serverCertPath: at('server.crt'),
    serverKeyPath: at('server.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A redis-server that accepts TLS only (`--port 0 --tls-port <port>`). */
export interface TlsRedis {
  readonly port: number;
  /** `rediss://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a TLS-only redis-server with the certificates (clients need no certificate of their own)
 * and `extraArgs` (e.g. `--user throttle on >pw ...`); ready once it answers PING over TLS.
 */
export async function startTlsRedis(certs: TestCertificates, extraArgs: string[] = []): Promise<TlsRedis> {
  const port = await freePort();
  const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', certs.dir, '--logfile', join(certs.dir, `redis-${port}.log`));
  args.push('--tls-cert-file', certs.serverCertPath, '--tls-key-file', certs.serverKeyPath, '--tls-ca-cert-file', certs.caPath);
  args.push('--tls-auth-clients', 'no', ...extraArgs);
  const server = new RedisProcess(port, args, 'TLS redis-server');
  await server.start(() => tlsPing(port, certs.ca));
  return {
    port,
    url: `rediss://127.0.0.1:${port}`,
    get pid() {
      return server.pid;
    },
    stop: () => server.stop(),
  };
}

async function tlsPing(port: number, ca: Buffer): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', tls: { ca }, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}
