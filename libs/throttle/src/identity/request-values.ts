const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Whether `name` (lower case) is a valid HTTP header name. */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** The header's one value (`name` in lower case); undefined when missing, empty or sent more than once. */
export function headerValue(req: any, name: string): string | undefined {
  const value = single(req?.headers?.[name]);
  return value !== undefined && !repeatedHeader(req, name) ? value : undefined;
}

/** The query parameter's one value; undefined when missing, empty, nested or repeated. */
export function queryValue(req: any, name: string): string | undefined {
  const query = req?.query;
  return query !== null && typeof query === 'object' ? single(query[name]) : undefined;
}

/** The one non-empty string (or number) value; undefined when missing, empty, nested or repeated. */
function single(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  return typeof v === 'number' ? String(v) : undefined;
}

/**
 * Whether the client sent the header more than once. Node joins repeats into one string (`a, b`; an
 * array for `set-cookie`), so the raw headers tell. A request view without them (a WebSocket handshake
 * that kept only `headers`) cannot tell `a, b` from two values: any comma counts as a repeat there.
 */
function repeatedHeader(req: any, name: string): boolean {
  const raw: unknown = req?.raw?.rawHeaders ?? req?.rawHeaders;
  if (!Array.isArray(raw)) return String(req?.headers?.[name]).includes(',');
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i];
    if (typeof header === 'string' && header.length === name.length && header.toLowerCase() === name && ++seen > 1) return true;
  }
  return false;
}
