import cluster from 'node:cluster';
import { bootLine, createDemoApp } from './bootstrap';
import { DemoEnv, readDemoEnv } from './demo-env';
import { runPrimary, SHUTDOWN_GRACE_MS } from './primary';

/** A worker (or the only process): boot the app, listen, report the boot line; stop gracefully on SIGTERM/SIGINT. */
async function runWorker(env: DemoEnv): Promise<void> {
  const app = await createDemoApp(env);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    // close() stops accepting, lets in-flight requests finish, then runs the shutdown hooks (Redis quit).
    app.close().then(() => process.exit(0), fail);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen(env.port, env.host);
  const line = bootLine(app, env);
  if (cluster.isWorker) process.send?.({ type: 'ready', line });
  else console.log(line);
}

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  console.error(message);
  process.exit(1);
}

function main(): void {
  let env: DemoEnv;
  try {
    env = readDemoEnv(process.env);
  } catch (error) {
    fail(error);
  }
  if (env.workers > 1 && cluster.isPrimary) runPrimary(env);
  else runWorker(env).catch(fail);
}

main();
