/** A Redis node or sentinel address. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Address translation for nodes that announce addresses the app cannot reach (a managed Cluster or
 * Sentinel behind NAT): announced `host:port` → reachable `host:port` (or `{ host, port }`).
 *
 * @example
 * { '10.0.1.5:6379': 'redis-0.example.com:16379', '10.0.1.6:6379': { host: 'redis-1.example.com', port: 16379 } }
 */
export type RedisNatMap = Record<string, string | RedisEndpoint>;

const HOST_PORT = /^\[?([^\s[\]]+?)\]?:(\d{1,5})$/;

/** `host:port` (IPv6 in brackets) as an endpoint, or undefined. */
export function parseEndpoint(text: unknown): RedisEndpoint | undefined {
  const match = typeof text === 'string' ? HOST_PORT.exec(text.trim()) : null;
  const port = match ? Number(match[2]) : 0;
  return match && port >= 1 && port <= 65_535 ? { host: match[1], port } : undefined;
}

/**
 * Validates a non-empty list of `host:port`, one problem per bad entry naming it.
 *
 * @example
 * compileEndpoints(['10.0.0.1:26379'], 'redis.sentinels', '10.0.0.1:26379', problems); // [{ host: '10.0.0.1', port: 26379 }]
 */
export function compileEndpoints(list: unknown, name: string, example: string, problems: string[]): RedisEndpoint[] | undefined {
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${name} must be a non-empty list of "host:port", e.g. ["${example}"]`);
    return undefined;
  }
  const parsed: RedisEndpoint[] = [];
  for (const entry of list) {
    const endpoint = parseEndpoint(entry);
    if (endpoint) parsed.push(endpoint);
    else problems.push(`${name} entry ${JSON.stringify(entry)} is not "host:port" (e.g. "${example}")`);
  }
  return parsed.length === list.length ? parsed : undefined;
}

/**
 * Validates `natMap`: every key and value a `host:port` (a value may also be `{ host, port }`).
 * Returns the map in ioredis' shape (`"host:port"` → `{ host, port }`).
 */
export function compileNatMap(value: unknown, name: string, problems: string[]): Record<string, RedisEndpoint> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) {
    problems.push(`${name} must be a non-empty object like { "10.0.1.5:6379": "redis-0.example.com:16379" }`);
    return undefined;
  }
  const map: Record<string, RedisEndpoint> = {};
  const before = problems.length;
  for (const [from, to] of Object.entries(value)) {
    const key = parseEndpoint(from);
    if (!key) problems.push(`${name} key ${JSON.stringify(from)} is not the "host:port" a node announces (e.g. "10.0.1.5:6379")`);
    const target = typeof to === 'string' ? parseEndpoint(to) : endpointObject(to);
    if (!target) problems.push(`${name}[${JSON.stringify(from)}] must be "host:port" or { host, port }, got ${JSON.stringify(to)}`);
    if (key && target) map[`${key.host}:${key.port}`] = target;
  }
  return problems.length === before ? map : undefined;
}

function endpointObject(value: unknown): RedisEndpoint | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { host, port, ...rest } = value as Partial<RedisEndpoint>;
  const valid = typeof host === 'string' && host !== '' && Number.isInteger(port) && port! >= 1 && port! <= 65_535;
  return valid && Object.keys(rest).length === 0 ? { host, port: port! } : undefined;
}
