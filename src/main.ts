import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { ConfigError, loadConfigFromEnvironment } from './config/app-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfigFromEnvironment();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen(config.port);
  const logger = new Logger('Platform');
  logger.log(`SmartApp Platform listening on ${config.baseUrl} (database: ${config.database.type})`);
}

void main();
