/** Back-off of {@link WorkerRestarts}. */
export interface RestartBackoff {
  /** Delay before the second restart of a crash loop (the first is immediate). Default 250 ms. */
  readonly firstDelayMs: number;
  /** The longest delay between restarts. Default 30 s. */
  readonly maxDelayMs: number;
  /** A worker that crashes this long after the previous crash starts a new loop (immediate restart). Default 60 s. */
  readonly quietMs: number;
  /** A worker that served at least this long before dying was stable: its death starts a new loop (as PM2's min_uptime). Default 1 s. */
  readonly minUptimeMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { firstDelayMs: 250, maxDelayMs: 30_000, quietMs: 60_000, minUptimeMs: 1_000 };

/** What the primary does when a worker exits. */
export type ExitAction = { readonly kind: 'ignore' } | { readonly kind: 'stop' } | { readonly kind: 'restart'; readonly delayMs: number };

/** What the primary knows about an exit. */
export interface WorkerExit {
  /** The primary is stopping (SIGTERM/SIGINT, or a config error): exits are expected. */
  readonly stopping: boolean;
  /** Every worker of the first boot became ready (the boot line was printed). */
  readonly firstBootDone: boolean;
  /** This worker had become ready. */
  readonly booted: boolean;
  /** How long it had been ready when it died (when booted). */
  readonly readyForMs?: number;
}

/**
 * The primary's restart policy. Only the first boot can reveal a config error: a worker of it that
 * dies before it is ready stops the primary (every worker would hit the same error). Any later death,
 * a crash after boot or a replacement dying before it is ready (Redis unreachable, a port race, an
 * OOM at start), is restarted, with back-off when deaths follow each other: immediately, then after
 * 250 ms, 500 ms, 1 s... up to 30 s, back to immediate once a minute passes without one, or when the
 * worker that died had served for at least a second (a stable worker killed, not a crash loop).
 *
 * @example
 * const restarts = new WorkerRestarts(() => Date.now());
 * const action = restarts.onExit({ stopping, firstBootDone: announced, booted });
 * if (action.kind === 'restart') setTimeout(fork, action.delayMs);
 */
export class WorkerRestarts {
  private streak = 0;
  private lastDeathAt?: number;

  constructor(
    private readonly now: () => number,
    private readonly backoff: RestartBackoff = DEFAULT_RESTART_BACKOFF,
  ) {}

  onExit(exit: WorkerExit): ExitAction {
    if (exit.stopping) return { kind: 'ignore' };
    if (!exit.booted && !exit.firstBootDone) return { kind: 'stop' };
    const now = this.now();
    const stable = exit.booted && (exit.readyForMs ?? 0) >= this.backoff.minUptimeMs;
    if (stable || (this.lastDeathAt !== undefined && now - this.lastDeathAt >= this.backoff.quietMs)) this.streak = 0;
    this.lastDeathAt = now;
    const delayMs = this.streak === 0 ? 0 : Math.min(this.backoff.firstDelayMs * 2 ** (this.streak - 1), this.backoff.maxDelayMs);
    this.streak += 1;
    return { kind: 'restart', delayMs };
  }
}
