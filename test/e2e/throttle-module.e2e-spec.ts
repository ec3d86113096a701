import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  SkipThrottle,
  ThrottleClock,
  ThrottleModule,
  ThrottleModuleOptions,
  ThrottleScope,
} from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';

@ThrottleScope('pages')
@Controller()
class PagesController {
  @Get('a') a() { return 'a'; }
  @Get('b') b() { return 'b'; }
  @ThrottleScope('burst', 'sustained') @Get('upload') upload() { return 'up'; }
  @SkipThrottle() @Get('free') free() { return 'free'; }
}

@SkipThrottle()
@Controller('admin')
class AdminController {
  @Get('x') x() { return 'x'; }
  @SkipThrottle(false) @Get('y') y() { return 'y'; }
}

@Controller('keys')
class KeysController {
  @ThrottleScope('by_user') @Get('user') user() { return 'u'; }
  @ThrottleScope('by_header') @Get('header') header() { return 'h'; }
  @ThrottleScope('by_fn') @Get('fn') fn() { return 'f'; }
}

const OPTIONS: ThrottleModuleOptions = {
  scopes: {
    pages: '2/m',
    burst: '1/s',
    sustained: '3/m',
    by_user: { rate: '1/m', key: 'user' },
    by_header: { rate: '1/m', key: 'header:X-Api-Key' },
    by_fn: { rate: '1/m', key: (req: any) => req.headers['x-tenant'] },
  },
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

describe.each(setups)('ThrottleModule.%s over Fastify', (_name, throttleModule) => {
  let app: NestFastifyApplication;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    const ref = await Test.createTestingModule({
      imports: [throttleModule()],
      controllers: [PagesController, AdminController, KeysController],
    })
      .overrideProvider(ThrottleClock)
      .useValue(clock)
      .compile();
    app = ref.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.getHttpAdapter().getInstance().addHook('preHandler', async (req: any) => {
      if (req.headers['x-user']) req.user = { id: req.headers['x-user'] };
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterEach(() => app.close());
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('shares one counter per scope across every route of the scope', async () => {
    expect((await get('/a')).statusCode).toBe(200);
    expect((await get('/b')).statusCode).toBe(200);
    const third = await get('/a');
    expect(third.statusCode).toBe(429);
    expect(third.json().scope).toBe('pages');
  });

  it('lets the handler scopes replace the class scope, and checks several scopes atomically', async () => {
    const first = await get('/upload');
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"burst";q=1;w=1, "sustained";q=3;w=60');
    expect(first.headers['ratelimit']).toBe('"burst";r=0;t=1, "sustained";r=2;t=60');
    expect(first.headers['x-ratelimit-limit']).toBe('1'); // the most restrictive scope
    const refused = await get('/upload');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().scope).toBe('burst');
    expect(refused.headers['ratelimit']).toBe('"burst";r=0;t=1, "sustained";r=2;t=60'); // refused: consumed from none
    clock.advance(1_000);
    expect((await get('/upload')).headers['ratelimit']).toBe('"burst";r=0;t=1, "sustained";r=1;t=59');
    expect((await get('/a')).statusCode).toBe(200); // the class scope is untouched by /upload
  });

  it('honours @SkipThrottle on handlers and classes, and @SkipThrottle(false) opting back in', async () => {
    for (let i = 0; i < 5; i++) {
      const free = await get('/free');
      expect(free.statusCode).toBe(200);
      expect(free.headers['ratelimit']).toBeUndefined();
      expect((await get('/admin/x')).statusCode).toBe(200);
    }
    // y opts back in but has no scope: nothing to throttle
    expect((await get('/admin/y')).headers['ratelimit']).toBeUndefined();
  });

  it('keys scopes by user id (else IP), by header and by a function', async () => {
    expect((await get('/keys/user', { 'x-user': 'alice' })).statusCode).toBe(200);
    expect((await get('/keys/user', { 'x-user': 'alice' })).statusCode).toBe(429);
    expect((await get('/keys/user', { 'x-user': 'bob' })).statusCode).toBe(200);
    expect((await get('/keys/user')).statusCode).toBe(200); // anonymous: by IP
    expect((await get('/keys/header', { 'x-api-key': 'k1' })).statusCode).toBe(200);
    expect((await get('/keys/header', { 'x-api-key': 'k1' })).statusCode).toBe(429);
    expect((await get('/keys/header', { 'x-api-key': 'k2' })).statusCode).toBe(200);
    expect((await get('/keys/fn', { 'x-tenant': 't1' })).statusCode).toBe(200);
    expect((await get('/keys/fn', { 'x-tenant': 't1' })).statusCode).toBe(429);
    expect((await get('/keys/fn', { 'x-tenant': 't2' })).statusCode).toBe(200);
  });
});

describe('ThrottleModule boot validation', () => {
  it('names every unknown scope with its handler and the known scopes', async () => {
    const ref = await Test.createTestingModule({
      imports: [ThrottleModule.forRoot({ scopes: { pages: '2/m' } })],
      controllers: [PagesController],
    }).compile();
    const app = ref.createNestApplication(new FastifyAdapter(), { logger: false });
    const error: Error = await app.init().then(() => undefined as any, (e: Error) => e);
    expect(error.message.split('\n')).toEqual([
      'Invalid throttle config: unknown scope "burst" on PagesController.upload (known scopes: pages)',
      'Invalid throttle config: unknown scope "sustained" on PagesController.upload (known scopes: pages)',
    ]);
    await app.close();
  });

  it('rejects @ThrottleScope() without a scope at decoration time', () => {
    expect(() => ThrottleScope()).toThrow('@ThrottleScope() needs at least one scope name');
    expect(() => ThrottleScope('')).toThrow('non-empty strings');
  });
});
