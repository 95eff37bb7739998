// Shared by the resolution-cache specs: a connected Device Bridge and the switches its install URL lists.
import request from 'supertest';
import { Server } from 'node:http';
import { EntityManager } from 'typeorm';
import { Device } from '../../src/locations/device.entity';
import { connect, optionValue } from './browser';
import { DEMO_USER } from './oauth-flow';

export interface Connected {
  token: string;
  installationId: string;
  url: string;
}

/** The demo account connects Device Bridge in `location` with one switch. */
export async function connectSwitch(http: Server, label = 'Kitchen Light', location = 'Home'): Promise<Connected> {
  const { token } = await connect(http, DEMO_USER, location, (page) => ({ switches: optionValue(page, label) }));
  return { token: token.access_token, installationId: token.installation_id, url: `/api/smartapps/installations/${token.installation_id}` };
}

export type Switch = { id: string; name: string; value: string };

export function listSwitches(http: Server, c: Connected) {
  return request(http).get(`${c.url}/switches`).set('Authorization', `Bearer ${c.token}`);
}

export async function deviceNamed(manager: EntityManager, label: string): Promise<Device> {
  return manager.getRepository(Device).findOneOrFail({ where: { label } });
}
