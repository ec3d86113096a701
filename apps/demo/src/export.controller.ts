import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ThrottleScope } from 'nest-scoped-throttle';

/** The longest `GET /export?ms=` the demo waits. */
const MAX_EXPORT_MS = 60_000;
/** How long an export takes unless `ms` says. */
const DEFAULT_EXPORT_MS = 300;

/**
 * `GET /export?ms=300` under scope `export`, a concurrency limit (by default `concurrency: 2`, keyed by
 * IP): a slow handler (it waits `ms`, default 300, at most 60 000), of which one client may have at
 * most 2 in flight across every worker; a third at the same time is a 429 with
 * `RateLimit-Policy: "export";q=2;qu="concurrent-requests"`. Answers when it started and finished
 * (Unix ms) and which worker ran it, so a client can count the exports that overlapped.
 */
@Controller()
export class ExportController {
  @ThrottleScope('export')
  @Get('export')
  async export(@Query('ms') ms?: string): Promise<{ pid: number; startedAt: number; finishedAt: number }> {
    const wait = ms === undefined ? DEFAULT_EXPORT_MS : Number(ms);
    if (!Number.isSafeInteger(wait) || wait < 0 || wait > MAX_EXPORT_MS)
      throw new BadRequestException(`ms must be an integer of milliseconds in [0, ${MAX_EXPORT_MS}]`);
    const startedAt = Date.now();
    await sleep(wait);
    return { pid: process.pid, startedAt, finishedAt: Date.now() };
  }
}
