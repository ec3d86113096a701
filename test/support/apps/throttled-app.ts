// A fresh app under test for the library's e2e specs: controllers behind ThrottleModule,
// a fake clock in place of the real one, listening on a named platform.
import { DynamicModule, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ThrottleClock, ThrottleModule, ThrottleModuleOptions } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { Platform, RunningApp, startApp, StartOptions } from './platforms';

export interface ThrottledAppSpec extends StartOptions {
  /** The module's options (given to `ThrottleModule.forRoot`), or a module that sets it up another way. */
  throttle: ThrottleModuleOptions | DynamicModule;
  controllers: Type[];
  /** Modules imported before ThrottleModule (their global guards run before its guard). */
  imports?: Type[];
}

export interface ThrottledApp extends RunningApp {
  clock: FakeClock;
}

/** Starts the app on `platform`; rejects with the boot error if the module refuses the config. */
export async function startThrottled(platform: Platform, spec: ThrottledAppSpec): Promise<ThrottledApp> {
  const clock = new FakeClock();
  const throttle = 'module' in spec.throttle ? spec.throttle : ThrottleModule.forRoot(spec.throttle);
  const moduleRef = await Test.createTestingModule({ imports: [...(spec.imports ?? []), throttle], controllers: spec.controllers })
    .overrideProvider(ThrottleClock)
    .useValue(clock)
    .compile();
  return { ...(await startApp(moduleRef, platform, spec)), clock };
}
