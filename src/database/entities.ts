import { Account } from '../accounts/account.entity';
import { BrowserSession } from '../accounts/browser-session.entity';
import { DeveloperToken } from '../developer/developer-token.entity';
import { CallbackDelivery } from '../events/callback-delivery.entity';
import { EventDelivery } from '../events/event-delivery.entity';
import { InstanceHeartbeat } from '../events/claims/instance-heartbeat.entity';
import { RateCounter } from '../events/rate-counter.entity';
import { ScheduledJob } from '../events/scheduled-job.entity';
import { Subscription } from '../events/subscription.entity';
import { AppLog } from '../installations/app-log.entity';
import { InstallationAtomicState } from '../installations/atomic-state.entity';
import { ActivityLog } from '../installations/activity-log.entity';
import { DeviceGrant } from '../installations/device-grant.entity';
import { Installation } from '../installations/installation.entity';
import { DeviceEvent } from '../locations/device-event.entity';
import { Device } from '../locations/device.entity';
import { Location } from '../locations/location.entity';
import { AccessToken } from '../oauth/access-token.entity';
import { AuthorizationCode } from '../oauth/authorization-code.entity';
import { AuthorizeTransaction } from '../oauth/authorize-transaction.entity';
import { OAuthClient } from '../oauth/oauth-client.entity';
import { RefreshToken } from '../oauth/refresh-token.entity';
import { SmartAppVersion } from '../smartapps/smartapp-version.entity';
import { SmartApp } from '../smartapps/smartapp.entity';
import { OAuth1Consumer } from '../oauth1/oauth1-consumer.entity';
import { OAuth1Nonce } from '../oauth1/oauth1-nonce.entity';
import { OAuth1Token } from '../oauth1/oauth1-token.entity';
import { LocationMode } from '../locations/location-mode.entity';
import { Notification } from '../notifications/notification.entity';

export const ENTITIES = [
  Account,
  BrowserSession,
  Location,
  Device,
  DeviceEvent,
  SmartApp,
  SmartAppVersion,
  OAuthClient,
  Installation,
  DeviceGrant,
  ActivityLog,
  AppLog,
  AuthorizeTransaction,
  AuthorizationCode,
  AccessToken,
  RefreshToken,
  Subscription,
  EventDelivery,
  ScheduledJob,
  CallbackDelivery,
  RateCounter,
  DeveloperToken,
  InstanceHeartbeat,
  OAuth1Consumer,
  OAuth1Token,
  OAuth1Nonce,
  InstallationAtomicState,
  LocationMode,
  Notification,
];
