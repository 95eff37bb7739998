// The DataSource for the TypeORM CLI (npm run migration:run). The app itself runs migrations at start.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigFromEnvironment } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

export default new DataSource({ ...dataSourceOptions(loadConfigFromEnvironment().database), migrationsRun: false });
