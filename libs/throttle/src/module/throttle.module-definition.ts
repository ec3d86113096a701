import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ThrottleModuleOptions } from '../options/throttle-options';

export const {
  ConfigurableModuleClass: ThrottleConfigurableModule,
  MODULE_OPTIONS_TOKEN: THROTTLE_MODULE_OPTIONS,
  OPTIONS_TYPE: THROTTLE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: THROTTLE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ThrottleModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createThrottleOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
