import { Controller, Get, Header, OnModuleInit, Optional } from '@nestjs/common';
import { collectDefaultMetrics } from 'prom-client';
import { SkipThrottle, ThrottleMetrics } from '@app/throttle';
import { metricsText, shareRegistryWithPrimary } from './cluster-metrics';

/** Prometheus text of the limiter's metrics plus Node's process metrics, summed over workers. */
@SkipThrottle()
@Controller()
export class MetricsController implements OnModuleInit {
  constructor(@Optional() private readonly metrics?: ThrottleMetrics) {}

  onModuleInit(): void {
    if (!this.metrics) return;
    collectDefaultMetrics({ register: this.metrics.registry });
    shareRegistryWithPrimary(this.metrics.registry);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics ? metricsText(this.metrics.registry) : '# metrics disabled\n';
  }
}
