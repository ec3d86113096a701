import { Controller, Get } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';

/**
 * `GET /burst` under scope `burst`, a GCRA scope (the leaky bucket as a meter): by default `10/s` with
 * `burst: 3`, keyed by IP. An idle client gets 3 requests at once, then one every 100 ms.
 */
@Controller()
export class BurstController {
  @ThrottleScope('burst')
  @Get('burst')
  burst(): { msg: string } {
    return { msg: 'Hello in bursts!' };
  }
}
