import { IsString, Length, Matches } from 'class-validator';

export class LocationModeDto {
  @IsString()
  @Length(1, 40, { message: 'A mode name has 1 to 40 characters' })
  @Matches(/^[\p{L}\p{N}][\p{L}\p{N} '_-]*$/u, { message: 'A mode name has letters, digits, spaces, apostrophes, dashes and underscores, and starts with a letter or digit' })
  name!: string;
}
