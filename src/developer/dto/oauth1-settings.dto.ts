import { IsString, MaxLength } from 'class-validator';

// `oauth1` of PUT /api/developer/smartapps/:id/oauth: SMART's OAuth 1.0a (docs/smart.md).
export class OAuth1SettingsDto {
  @MaxLength(500, { message: 'oauth1.callback_url must be at most 500 characters' })
  @IsString({ message: 'oauth1.callback_url must be a URL' })
  callback_url!: string;

  @MaxLength(500, { message: 'oauth1.index_url must be at most 500 characters' })
  @IsString({ message: 'oauth1.index_url must be a URL' })
  index_url!: string;
}
