import { DynamicModule, Global, Module } from '@nestjs/common';
import { SANDBOX_POOL } from '../sandbox/sandbox.pool-options';
import { AppConfig, sandboxPoolSettings } from './app-config';

export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // the sandbox imports nothing of the platform: its pool's options come from here
        { provide: SANDBOX_POOL, useValue: sandboxPoolSettings(config.sandbox) },
      ],
      exports: [APP_CONFIG, SANDBOX_POOL],
    };
  }
}
