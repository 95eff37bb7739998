import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Invalidations } from '../invalidation/invalidations.service';
import { SandboxService } from '../sandbox/sandbox.service';
import { validateAppShape, ValidationIssue } from './definition-validator';
import { SmartAppVersion } from './smartapp-version.entity';
import { SmartApp } from './smartapp.entity';
import { SmartAppDefinition } from './smartapp-definition';

export class InvalidSmartAppError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`Invalid SmartApp: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

export class SmartAppNameTakenError extends Error {}

export interface PublishedVersion {
  smartAppId: string;
  versionId: string;
  version: number;
  definition: SmartAppDefinition;
}

export interface SmartAppView {
  id: string;
  authorAccountId: string;
  namespace: string;
  name: string;
  author: string;
  description: string;
  category: string;
  latestVersionId: string | null;
}

export interface VersionView {
  id: string;
  smartAppId: string;
  version: number;
  source: string;
  definition: SmartAppDefinition;
  createdAt: Date;
}

@Injectable()
export class SmartAppsService {
  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(SmartApp) private readonly apps: Repository<SmartApp>,
    @InjectRepository(SmartAppVersion) private readonly versions: Repository<SmartAppVersion>,
    private readonly sandbox: SandboxService,
    private readonly invalidations: Invalidations,
  ) {}

  /** Evaluates the module in the sandbox and checks it; throws InvalidSmartAppError with every issue. */
  async parse(source: string): Promise<SmartAppDefinition> {
    const inspected = await this.sandbox.inspect(source);
    if (!inspected.ok) {
      throw new InvalidSmartAppError(inspected.errors);
    }
    const checked = validateAppShape(inspected.app);
    if (!checked.ok) {
      throw new InvalidSmartAppError(checked.issues);
    }
    return checked.definition;
  }

  /** Creates a SmartApp with its first version. */
  async create(authorAccountId: string, source: string, manager?: EntityManager): Promise<PublishedVersion> {
    const definition = await this.parse(source);
    const work = async (m: EntityManager): Promise<PublishedVersion> => {
      const taken = await m.getRepository(SmartApp).findOne({ where: { namespace: definition.namespace, name: definition.name } });
      if (taken) {
        throw new SmartAppNameTakenError(`A SmartApp named ${definition.namespace}/${definition.name} already exists`);
      }
      const app: SmartApp = {
        id: randomUUID(),
        authorAccountId,
        namespace: definition.namespace,
        name: definition.name,
        author: definition.author,
        description: definition.description,
        category: definition.category,
        latestVersionId: null,
        createdAt: new Date(),
      };
      await m.getRepository(SmartApp).insert(app);
      return this.insertVersion(m, app, 1, source, definition);
    };
    return manager ? work(manager) : this.transactions.run(work);
  }

  /** Publishes a new version; installations run the newest published version from their next call on. */
  async addVersion(authorAccountId: string, smartAppId: string, source: string): Promise<PublishedVersion | null> {
    const definition = await this.parse(source);
    return this.transactions.run(async (m) => {
      const app = await m.getRepository(SmartApp).findOne({ where: { id: smartAppId, authorAccountId } });
      if (!app) {
        return null;
      }
      // namespace and name are the SmartApp's identity (unique, shown to users); a rename is a new SmartApp
      const renamed = (['namespace', 'name'] as const).filter((key) => definition[key] !== app[key]);
      if (renamed.length > 0) {
        throw new InvalidSmartAppError(renamed.map((key) => ({ path: `definition.${key}`, message: `a new version must keep the ${key} "${app[key]}"; publish a new SmartApp to change it` })));
      }
      const last = await m.getRepository(SmartAppVersion).findOne({ where: { smartAppId }, order: { version: 'DESC' } });
      return this.insertVersion(m, app, (last?.version ?? 0) + 1, source, definition);
    });
  }

  async findById(smartAppId: string): Promise<SmartAppView | null> {
    const app = await this.apps.findOne({ where: { id: smartAppId } });
    return app ? toView(app) : null;
  }

  async findForAuthor(authorAccountId: string, smartAppId: string): Promise<SmartAppView | null> {
    const app = await this.apps.findOne({ where: { id: smartAppId, authorAccountId } });
    return app ? toView(app) : null;
  }

  async listForAuthor(authorAccountId: string): Promise<SmartAppView[]> {
    const rows = await this.apps.find({ where: { authorAccountId }, order: { name: 'ASC' } });
    return rows.map(toView);
  }

  /** Every SmartApp with a published version, by name: the catalog. */
  async listPublished(): Promise<SmartAppView[]> {
    const rows = await this.apps.find({ where: { latestVersionId: Not(IsNull()) }, order: { name: 'ASC', namespace: 'ASC' } });
    return rows.map(toView);
  }

  async latestVersion(smartAppId: string, manager?: EntityManager): Promise<VersionView | null> {
    if (!manager) {
      return this.transactions.read((m) => this.latestVersion(smartAppId, m));
    }
    const repo = manager.getRepository(SmartApp);
    const app = await repo.findOne({ where: { id: smartAppId } });
    return app?.latestVersionId ? this.version(app.latestVersionId, manager) : null;
  }

  async version(versionId: string, manager?: EntityManager): Promise<VersionView | null> {
    if (!manager) {
      return this.transactions.read((m) => this.version(versionId, m));
    }
    const row = await manager.getRepository(SmartAppVersion).findOne({ where: { id: versionId } });
    return row ? { ...row } : null;
  }

  async versionsOf(smartAppId: string): Promise<VersionView[]> {
    const rows = await this.versions.find({ where: { smartAppId }, order: { version: 'DESC' } });
    return rows.map((r) => ({ ...r }));
  }

  private async insertVersion(m: EntityManager, app: SmartApp, version: number, source: string, definition: SmartAppDefinition): Promise<PublishedVersion> {
    const row: SmartAppVersion = { id: randomUUID(), smartAppId: app.id, version, source, definition, createdAt: new Date() };
    await m.getRepository(SmartAppVersion).insert(row);
    await m.getRepository(SmartApp).update(
      { id: app.id },
      { latestVersionId: row.id, author: definition.author, description: definition.description, category: definition.category },
    );
    await this.invalidations.publish(m, { kind: 'smartapp', id: app.id });
    return { smartAppId: app.id, versionId: row.id, version, definition };
  }
}

function toView(app: SmartApp): SmartAppView {
  return {
    id: app.id,
    authorAccountId: app.authorAccountId,
    namespace: app.namespace,
    name: app.name,
    author: app.author,
    description: app.description,
    category: app.category,
    latestVersionId: app.latestVersionId,
  };
}
