import { Type } from 'class-transformer';
import { OAuth1SettingsDto } from './oauth1-settings.dto';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';

// PUT /api/developer/smartapps/:id/oauth (CONTRACT §6); snake_case as on the wire.
// class-validator runs the decorators bottom-up: the type checks sit last so they report first.
export class OAuthSettingsDto {
  @MaxLength(500, { each: true, message: 'each redirect URI must be at most 500 characters' })
  @IsString({ each: true, message: 'each redirect URI must be a string' })
  @ArrayMaxSize(20, { message: 'redirect_uris may hold at most 20 URLs' })
  @ArrayMinSize(1, { message: 'redirect_uris needs at least one URL' })
  @IsArray({ message: 'redirect_uris must be an array of URLs' })
  redirect_uris!: string[];

  /** shown on the consent page; defaults to definition.oauth.displayName, then the SmartApp's name */
  @IsOptional()
  @Length(1, 200, { message: 'client_name must be 1 to 200 characters' })
  @IsString({ message: 'client_name must be a string' })
  client_name?: string;

  @IsOptional()
  @MaxLength(500, { each: true, message: 'each callback prefix must be at most 500 characters' })
  @IsString({ each: true, message: 'each callback prefix must be a string' })
  @ArrayMaxSize(20, { message: 'callback_prefixes may hold at most 20 URLs' })
  @IsArray({ message: 'callback_prefixes must be an array of URLs' })
  callback_prefixes?: string[];

  @IsOptional()
  @IsBoolean({ message: 'classic_compat must be true or false' })
  classic_compat?: boolean;

  /** seconds; null = the platform default (ACCESS_TOKEN_TTL, 24 h) */
  @IsOptional()
  @Max(365 * 24 * 3600, { message: 'access_token_ttl must be at most one year (31536000 seconds)' })
  @Min(60, { message: 'access_token_ttl must be at least 60 seconds' })
  @IsInt({ message: 'access_token_ttl must be a whole number of seconds' })
  access_token_ttl?: number | null;

  /** seconds, sliding; null = the platform default (REFRESH_TOKEN_TTL, 90 days) */
  @IsOptional()
  @Max(10 * 365 * 24 * 3600, { message: 'refresh_token_ttl must be at most ten years' })
  @Min(60, { message: 'refresh_token_ttl must be at least 60 seconds' })
  @IsInt({ message: 'refresh_token_ttl must be a whole number of seconds' })
  refresh_token_ttl?: number | null;

  /** SMART OAuth 1.0a: the app's callback and launch (index) URLs; the reply then carries consumer_key/consumer_secret */
  @IsOptional()
  @ValidateNested()
  @Type(() => OAuth1SettingsDto)
  @IsObject({ message: 'oauth1 must be an object with callback_url and index_url' })
  oauth1?: OAuth1SettingsDto;
}
