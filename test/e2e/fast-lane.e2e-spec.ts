import { Controller, Get } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottleClock, ThrottleGuard, ThrottleModule, ThrottleScope } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';

@Controller()
class LaneController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return { msg: 'Hello Hello!' };
  }
  @ThrottleScope('burst', 'sustained') @Get('multi') multi() {
    return 'm';
  }
  @ThrottleScope('mine') @Get('mine') mine() {
    return 'u';
  }
}

async function start(fastLane: boolean) {
  const clock = new FakeClock();
  const ref = await Test.createTestingModule({
    imports: [
      ThrottleModule.forRoot({
        fastLane,
        scopes: { hi: '2/m', burst: '1/s', sustained: '5/m', mine: { rate: '1/m', key: 'user' } },
      }),
    ],
    controllers: [LaneController],
  })
    .overrideProvider(ThrottleClock)
    .useValue(clock)
    .compile();
  const app = ref.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const guard = jest.spyOn(app.get(ThrottleGuard), 'canActivate');
  return { app, clock, guard };
}

const comparable = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
  const { date: _date, connection: _connection, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
};

describe('the Fastify fast lane for refusals', () => {
  const apps: NestFastifyApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it.each(['/hi', '/multi'])('answers %s refusals of a full key without the guard, byte for byte as the guard does', async (url) => {
    const lane = await start(true);
    const plain = await start(false);
    apps.push(lane.app, plain.app);
    const run = async (s: typeof lane) => {
      const out = [];
      for (let i = 0; i < 4; i++) {
        out.push(comparable(await s.app.inject({ method: 'GET', url })));
        s.clock.advance(100);
      }
      return out;
    };
    const viaLane = await run(lane);
    const viaGuard = await run(plain);
    expect(viaLane).toEqual(viaGuard);
    expect(viaLane.map((r) => r.status)).toEqual(url === '/hi' ? [200, 200, 429, 429] : [200, 429, 429, 429]);
    expect(plain.guard).toHaveBeenCalledTimes(4);
    expect(lane.guard).toHaveBeenCalledTimes(url === '/hi' ? 2 : 1); // every refusal was answered by the lane
  });

  it('leaves routes keyed by user to the guard (the identity is not known before Nest runs)', async () => {
    const lane = await start(true);
    apps.push(lane.app);
    for (let i = 0; i < 3; i++) await lane.app.inject({ method: 'GET', url: '/mine' });
    expect(lane.guard).toHaveBeenCalledTimes(3);
  });

  it('admits again through the lane once the window frees up', async () => {
    const lane = await start(true);
    apps.push(lane.app);
    await lane.app.inject('/hi');
    await lane.app.inject('/hi');
    expect((await lane.app.inject('/hi')).statusCode).toBe(429);
    lane.clock.advance(60_000);
    const again = await lane.app.inject('/hi');
    expect(again.statusCode).toBe(200);
    expect(again.headers['ratelimit']).toBe('"hi";r=1;t=60');
  });
});
