/**
 * Entry point: `node dist/apps/loadtest/main.js --help`. The first Ctrl-C stops the run and
 * prints the report of what was done; a second one kills the process.
 */
import { main } from './cli';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.stdout.on('error', () => undefined); // a closed pipe (| head) is not a failure

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stop: stop.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
