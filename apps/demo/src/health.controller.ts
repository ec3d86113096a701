import { Controller, Get } from '@nestjs/common';
import { SkipThrottle, StorageHealth, ThrottleStorage } from 'nest-scoped-throttle';

/** Liveness/readiness: always 200 while the process serves; the body tells the store's state. */
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(private readonly storage: ThrottleStorage) {}

  @Get('health')
  health(): { status: 'ok'; pid: number; store: StorageHealth } {
    return { status: 'ok', pid: process.pid, store: this.storage.health() };
  }
}
