// ThrottleModule set up every supported way, on every platform: scopes shared across routes,
// class vs handler scopes, several scopes checked atomically, @SkipThrottle, boot validation.
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { SkipThrottle, ThrottleModule, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { PLATFORMS } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@ThrottleScope('pages')
@Controller()
class PagesController {
  @Get('a') a() {
    return 'a';
  }
  @Get('b') b() {
    return 'b';
  }
  @ThrottleScope('burst', 'sustained') @Get('upload') upload() {
    return 'up';
  }
  @SkipThrottle() @Get('free') free() {
    return 'free';
  }
}

@SkipThrottle()
@Controller('admin')
class AdminController {
  @Get('x') x() {
    return 'x';
  }
  @SkipThrottle(false) @Get('y') y() {
    return 'y';
  }
}

const OPTIONS: ThrottleModuleOptions = {
  scopes: { pages: '2/m', burst: '1/s', sustained: '3/m' },
};

@Injectable()
class OptionsFactory {
  createThrottleOptions(): ThrottleModuleOptions {
    return OPTIONS;
  }
}
@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class OptionsModule {}

const setups: [string, () => any][] = [
  ['forRoot', () => ThrottleModule.forRoot(OPTIONS)],
  ['forRootAsync useFactory', () => ThrottleModule.forRootAsync({ useFactory: async () => OPTIONS })],
  ['forRootAsync useClass', () => ThrottleModule.forRootAsync({ useClass: OptionsFactory })],
  ['forRootAsync useExisting', () => ThrottleModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFactory })],
];

describe.each(PLATFORMS)('over %s', (platform) => {
  describe.each(setups)('ThrottleModule.%s', (_name, throttleModule) => {
    let app: ThrottledApp;
    beforeEach(async () => {
      app = await startThrottled(platform, { throttle: throttleModule(), controllers: [PagesController, AdminController] });
    });
    afterEach(() => app.close());

    it('shares one counter per scope across every route of the scope', async () => {
      expect((await app.get('/a')).status).toBe(200);
      expect((await app.get('/b')).status).toBe(200);
      const third = await app.get('/a');
      expect(third.status).toBe(429);
      expect(third.body.scope).toBe('pages');
    });

    it('lets the handler scopes replace the class scope, and checks several scopes atomically', async () => {
      const first = await app.get('/upload');
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit-policy']).toBe('"burst";q=1;w=1, "sustained";q=3;w=60');
      expect(first.headers['ratelimit']).toBe('"burst";r=0;t=1, "sustained";r=2;t=60');
      expect(first.headers['x-ratelimit-limit']).toBe('1'); // the most restrictive scope
      const refused = await app.get('/upload');
      expect(refused.status).toBe(429);
      expect(refused.body.scope).toBe('burst');
      expect(refused.headers['ratelimit']).toBe('"burst";r=0;t=1, "sustained";r=2;t=60'); // refused: consumed from none
      app.clock.advance(1_000);
      expect((await app.get('/upload')).headers['ratelimit']).toBe('"burst";r=0;t=1, "sustained";r=1;t=59');
      expect((await app.get('/a')).status).toBe(200); // the class scope is untouched by /upload
    });

    it('honours @SkipThrottle on handlers and classes, and @SkipThrottle(false) opting back in', async () => {
      for (let i = 0; i < 5; i++) {
        const free = await app.get('/free');
        expect(free.status).toBe(200);
        expect(free.headers['ratelimit']).toBeUndefined();
        expect((await app.get('/admin/x')).status).toBe(200);
      }
      // y opts back in but has no scope: nothing to throttle
      expect((await app.get('/admin/y')).headers['ratelimit']).toBeUndefined();
    });
  });

  describe('ThrottleModule boot validation', () => {
    it('names every unknown scope with its handler and the known scopes', async () => {
      const booting = startThrottled(platform, { throttle: { scopes: { pages: '2/m' } }, controllers: [PagesController] });
      const error = await booting.then(
        async (app) => void (await app.close()),
        (e: Error) => e,
      );
      expect(error?.message.split('\n')).toEqual([
        'Invalid throttle config: unknown scope "burst" on PagesController.upload (known scopes: pages)',
        'Invalid throttle config: unknown scope "sustained" on PagesController.upload (known scopes: pages)',
      ]);
    });
  });
});

describe('@ThrottleScope', () => {
  it('rejects @ThrottleScope() without a scope at decoration time', () => {
    expect(() => ThrottleScope()).toThrow('@ThrottleScope() needs at least one scope name');
    expect(() => ThrottleScope('')).toThrow('non-empty strings');
  });
});
