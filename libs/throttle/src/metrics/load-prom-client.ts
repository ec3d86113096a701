/** prom-client, loaded when metrics are created (it is an optional peer dependency). */
export function loadPromClient(): typeof import('prom-client') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('prom-client') as typeof import('prom-client');
  } catch (error) {
    const why = (error as { code?: string }).code === 'MODULE_NOT_FOUND' ? 'it is not installed' : (error as Error).message;
    throw new Error(`Throttle metrics need the prom-client package, but ${why}: npm install prom-client (or drop the metrics option)`, {
      cause: error,
    });
  }
}
