import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { ConfigError, loadConfigFromEnvironment } from './config/app-config';
import { EventsWorker } from './events/events-worker';
import { Housekeeping } from './housekeeping/housekeeping.service';
import { GracefulShutdown } from './lifecycle/graceful-shutdown';
import { startDemoClient } from './demo-client/demo-client';
import { demoClientSettings } from './demo-client/demo-client.settings';

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
  const logger = new Logger('Platform');
  const shutdown = new GracefulShutdown(app.getHttpServer(), config.shutdownGraceMs, new Logger('Shutdown'));
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn(`${signal} again: exiting at once`);
      process.exit(1);
    }
    signalled = true;
    shutdown
      .shutdown({ stopWork: () => app.get(EventsWorker).stop(), closeApp: () => app.close() })
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`SmartApp Platform did not shut down cleanly: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await app.listen(config.port, config.operations.host);
  app.get(EventsWorker).start();
  app.get(Housekeeping).start();
  logger.log(`SmartApp Platform listening on ${config.baseUrl} (database: ${config.database.type})`);
  if (config.demoClientPort > 0) {
    // the demo external service: its own Express app, talking to the platform over HTTP only
    const demo = demoClientSettings(config.baseUrl, config.demoClientPort);
    await startDemoClient(demo, config.demoClientPort).then(
      () => logger.log(`Demo Service (an example OAuth client) on ${demo.publicUrl}: open it and click "Connect to SmartApp Platform"`),
      (err: Error) => logger.warn(`Demo Service not started on port ${config.demoClientPort}: ${err.message}`),
    );
  }
}

main().catch((err: unknown) => {
  // e.g. the database is unreachable: say so in one line, without a stack for the operator to wade through
  console.error(`SmartApp Platform could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
