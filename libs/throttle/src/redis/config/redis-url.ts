/**
 * Redis URLs in messages and logs, and their credentials. The user and password of a `redis://` URL are
 * percent-decoded, as WHATWG URL parsing and ioredis read them: `%40` is `@`, `%2F` is `/`, `%25` is `%`,
 * and `%41` is `A`. So a password holding `@`, `/`, `:`, `#`, `?` or `%` is written percent-encoded in
 * a URL (`encodeURIComponent(password)`), or given verbatim as `redis.password`.
 */

/**
 * The URL with its credentials masked, for messages and logs, whatever the password holds (`/`, `@`, `%`,
 * a URL that does not parse): everything between `scheme://` and the last `@` is masked, but for a
 * plain user name before the first `:`.
 *
 * @example
 * redactUrl('redis://throttle:pa/ss@w@cache:6379/0'); // 'redis://throttle:***@cache:6379/0'
 */
export function redactUrl(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@([^@]*)$/is.exec(url);
  if (match === null) return url;
  const [, scheme, userinfo, rest] = match;
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 && !/[/?#]/.test(userinfo.slice(0, colon)) ? userinfo.slice(0, colon + 1) : '';
  return `${scheme}${user}***@${rest}`;
}

/**
 * Why the URL's user or password cannot be percent-decoded (a `%` not followed by two hex digits),
 * naming the part, never its value; undefined when both decode.
 *
 * @example
 * credentialProblem(new URL('redis://:100%@cache')); // 'has a "%" in its password that is not a percent-escape …'
 */
export function credentialProblem(url: URL): string | undefined {
  for (const [part, value] of [
    ['user name', url.username],
    ['password', url.password],
  ] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      return (
        `has a "%" in its ${part} that is not a percent-escape (%XX): the URL's user and password are percent-decoded, ` +
        'so write "%" as %25 (encodeURIComponent), or give the password as redis.password'
      );
    }
  }
  return undefined;
}
