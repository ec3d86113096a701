import { Controller, Get, OnModuleInit, Optional, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { collectDefaultMetrics } from 'prom-client';
import { SkipThrottle, ThrottleMetrics } from 'nest-scoped-throttle';
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
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    if (!this.metrics) {
      reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'metrics are disabled' });
      return;
    }
    try {
      const text = await metricsText(this.metrics.registry);
      reply.header('content-type', this.metrics.registry.contentType).send(text);
    } catch (error) {
      reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: (error as Error).message });
    }
  }
}
