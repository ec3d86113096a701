/**
 * Bounded polling for readiness: the one way the testkit (and the tests using it) waits for a
 * process or a state, instead of sleeping for a guessed time.
 */

/** How often {@link waitFor} asks again. */
const POLL_INTERVAL_MS = 50;

/** Thrown by a {@link waitFor} check to stop waiting at once (e.g. the process it waits for exited). */
export class FatalWait extends Error {}

/**
 * Polls `check` every 50 ms until it is true; fails after `timeoutMs` with what it waited for. A
 * check that throws counts as "not yet", except a {@link FatalWait}, which ends the wait.
 *
 * @example
 * await waitFor('the demo to report a healthy store', async () => (await health(url)).store.state === 'ok');
 */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await Promise.resolve()
      .then(check)
      .catch((error) => {
        if (error instanceof FatalWait) throw error;
        return false;
      });
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
