import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('oauth_clients')
export class OAuthClient {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  /** SHA-256 of the secret; null for public clients */
  @Column({ name: 'client_secret_hash', type: 'varchar', length: 64, nullable: true })
  clientSecretHash!: string | null;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'smartapp_id', type: 'varchar', length: 36 })
  smartAppId!: string;

  @Column({ name: 'redirect_uris', type: 'simple-json' })
  redirectUris!: string[];

  @Column({ name: 'grant_types', type: 'simple-json' })
  grantTypes!: string[];

  @Column({ type: 'simple-json' })
  scopes!: string[];

  @Column({ name: 'token_endpoint_auth_method', type: 'varchar', length: 40 })
  tokenEndpointAuthMethod!: 'client_secret_basic' | 'client_secret_post' | 'none';

  /** seconds; null = platform default */
  @Column({ name: 'access_token_ttl', type: 'integer', nullable: true })
  accessTokenTtl!: number | null;

  @Column({ name: 'refresh_token_ttl', type: 'integer', nullable: true })
  refreshTokenTtl!: number | null;

  @Column({ name: 'allow_plain_pkce', type: 'boolean', default: false })
  allowPlainPkce!: boolean;

  @Column({ name: 'classic_compat', type: 'boolean', default: false })
  classicCompat!: boolean;

  @Column({ name: 'callback_prefixes', type: 'simple-json' })
  callbackPrefixes!: string[];

  /** signs httpPostJson callbacks (HMAC-SHA256); kept in clear because the platform must sign with it */
  @Column({ name: 'webhook_secret', type: 'varchar', length: 100, nullable: true })
  webhookSecret!: string | null;

  /** the secret before the last rotation: it still signs callbacks until previousWebhookSecretUntil */
  @Column({ name: 'previous_webhook_secret', type: 'varchar', length: 100, nullable: true })
  previousWebhookSecret!: string | null;

  @Column({ name: 'previous_webhook_secret_until', nullable: true, type: Date })
  previousWebhookSecretUntil!: Date | null;

  /** SHA-256 of the RFC 7592 registration access token; null for clients not registered by API */
  @Column({ name: 'registration_token_hash', type: 'varchar', length: 64, nullable: true })
  registrationTokenHash!: string | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
