import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { OAuthClientWebhookSecret1763900000001 } from './1763900000001-oauth-client-webhook-secret';
import { Events1763900000300 } from './1763900000300-events';
import { DeveloperTokens1763900000400 } from './1763900000400-developer-tokens';
import { ClientRegistration1763900000500 } from './1763900000500-client-registration';
import { ConsentOnce1764200000100 } from './1764200000100-consent-once';
import { InstanceHeartbeats1764200000200 } from './1764200000200-instance-heartbeats';
import { StandardWebhooks1764200000301 } from './1764200000301-standard-webhooks';
import { AuthorizePages1765000600100 } from './1765000600100-authorize-pages';
import { OAuth1Tables1765000700000 } from './1765000700000-oauth1';
import { AtomicState1765000500100 } from './1765000500100-atomic-state';
import { DeviceStateDates1765000300100 } from './1765000300100-device-state-dates';
import { LocationModes1765000400000 } from './1765000400000-location-modes';

/** Every migration, oldest first. Never edit one that has landed: add a new one. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  OAuthClientWebhookSecret1763900000001,
  Events1763900000300,
  DeveloperTokens1763900000400,
  ClientRegistration1763900000500,
  ConsentOnce1764200000100,
  InstanceHeartbeats1764200000200,
  StandardWebhooks1764200000301,
  AuthorizePages1765000600100,
  OAuth1Tables1765000700000,
  AtomicState1765000500100,
  DeviceStateDates1765000300100,
  LocationModes1765000400000,
];
