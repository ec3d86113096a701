import { checkKnownKeys } from '../../options/grammar/known-keys';

/** A PEM certificate or key: its text or bytes (not a file path). */
export type Pem = string | Buffer;

/**
 * TLS of the store's connections (Node `tls.connect` options; the ones a Redis deployment needs).
 *
 * @example
 * { ca: readFileSync('/etc/redis/ca.pem'), servername: 'redis.internal' }
 */
export interface RedisTlsOptions {
  /** CA certificate(s) that sign the server's certificate; default: Node's bundled public CAs. */
  ca?: Pem | Pem[];
  /** Client certificate and key, for servers that require them (`tls-auth-clients yes`). */
  cert?: Pem;
  key?: Pem;
  /** The name the server's certificate must carry, when it differs from the host connected to. */
  servername?: string;
  /** Default true. `false` accepts any certificate: encrypted but unauthenticated (tests only). */
  rejectUnauthorized?: boolean;
}

/** ACL user and password (Redis 6+ `AUTH username password`; without a username, the `default` user). */
export interface RedisAuth {
  readonly username?: string;
  readonly password?: string;
}

const TLS_KEYS = ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'];

/**
 * Validates a `tls` option: `true` (TLS, public CAs), `false`/absent (none) or {@link RedisTlsOptions}.
 * Returns the options to connect with (`{}` for `true`), or undefined for no TLS.
 *
 * @example
 * compileTls({ ca: '/etc/ca.pem' }, 'redis.tls', problems);
 * // 'redis.tls.ca looks like a file path ("/etc/ca.pem"), not a PEM certificate: pass readFileSync(path)'
 */
export function compileTls(value: unknown, name: string, problems: string[]): RedisTlsOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${name} must be true, false or an object like { ca, servername, rejectUnauthorized }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  checkKnownKeys(value, TLS_KEYS, `${name} option`, problems);
  const tls = value as RedisTlsOptions;
  const before = problems.length;
  const cas = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
  if (Array.isArray(tls.ca) && cas.length === 0) problems.push(`${name}.ca is an empty list`);
  for (const ca of cas) checkPem(ca, `${name}.ca`, 'CERTIFICATE', problems);
  if (tls.cert !== undefined) checkPem(tls.cert, `${name}.cert`, 'CERTIFICATE', problems);
  if (tls.key !== undefined) checkPem(tls.key, `${name}.key`, 'PRIVATE KEY', problems);
  if ((tls.cert === undefined) !== (tls.key === undefined))
    problems.push(`${name}.cert and ${name}.key go together (a client certificate needs its key)`);
  if (tls.servername !== undefined && (typeof tls.servername !== 'string' || tls.servername.trim() === '')) {
    problems.push(`${name}.servername must be a host name, got ${JSON.stringify(tls.servername)}`);
  }
  if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== 'boolean') {
    problems.push(`${name}.rejectUnauthorized must be true or false, got ${JSON.stringify(tls.rejectUnauthorized)}`);
  }
  return problems.length === before ? { ...tls } : undefined;
}

/** A PEM block's text or bytes; a string that is not PEM is most often a path given by mistake. */
function checkPem(value: unknown, name: string, kind: string, problems: string[]): void {
  if (Buffer.isBuffer(value)) return;
  if (typeof value !== 'string') {
    problems.push(`${name} must be PEM text or a Buffer, got ${typeof value}`);
    return;
  }
  if (value.includes('-----BEGIN ')) return;
  const path = /^[^\n]{1,300}$/.test(value) && /[/\\.]/.test(value);
  const hint = path
    ? `looks like a file path (${JSON.stringify(value)}), not a PEM ${kind.toLowerCase()}: pass readFileSync(path)`
    : `is not PEM (no "-----BEGIN ${kind}")`;
  problems.push(`${name} ${hint}`);
}

/**
 * Validates a username/password pair of options (`prefix` + `Username`/`Password`, or plain
 * `username`/`password`). A username alone is refused: Redis authenticates a user with its password.
 *
 * @example
 * compileAuth({ username: 'throttle', password: 's3cret' }, 'username', 'password', 'redis', problems);
 */
export function compileAuth(
  source: Record<string, unknown>,
  userKey: string,
  passwordKey: string,
  where: string,
  problems: string[],
): RedisAuth | undefined {
  const username = source[userKey];
  const password = source[passwordKey];
  const before = problems.length;
  for (const [key, value] of [
    [userKey, username],
    [passwordKey, password],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) problems.push(`${where}.${key} must be a non-empty string`);
  }
  if (username !== undefined && password === undefined)
    problems.push(`${where}.${userKey} needs ${where}.${passwordKey} (Redis authenticates a user with its password)`);
  if (problems.length > before || password === undefined) return undefined;
  return username === undefined ? { password: password as string } : { username: username as string, password: password as string };
}
