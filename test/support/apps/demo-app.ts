import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottleClock } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { AppModule } from '../../../apps/demo/src/app.module';
import { createDemoAdapter } from '../../../apps/demo/src/bootstrap';
import { readDemoEnv } from '../../../apps/demo/src/demo-env';

export interface DemoUnderTest {
  app: NestFastifyApplication;
  clock: FakeClock;
}

/** A fresh demo app on the demo's own Fastify adapter with a fake clock, built from demo environment variables. */
export async function startDemo(vars: Record<string, string> = {}): Promise<DemoUnderTest> {
  const clock = new FakeClock();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(readDemoEnv(vars))] })
    .overrideProvider(ThrottleClock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createDemoAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, clock };
}

/** Writes a throttle config file into a fresh temp dir and returns its path. */
export function writeConfig(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'throttle-e2e-')), 'throttle.yaml');
  writeFileSync(path, yaml);
  return path;
}
