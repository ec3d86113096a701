import { Controller, Get, Header } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';

/** The routes of the DRF articles (`/hi` by IP, `/?api_key=K` by API key), and `/search` under a shadow-mode scope. */
@Controller()
export class HiController {
  @ThrottleScope('hi')
  @Get('hi')
  hi(): { msg: string } {
    return { msg: 'Hello Hello!' };
  }

  /** Scope `search` runs in shadow mode: counted and reported (/metrics, a debug line), never refused, no headers. */
  @ThrottleScope('search')
  @Get('search')
  search(): { results: string[] } {
    return { results: [] };
  }

  @ThrottleScope('api_key')
  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  apiKey(): string {
    return '"ok"';
  }
}
