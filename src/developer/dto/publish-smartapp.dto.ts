import { IsString, Length } from 'class-validator';

// class-validator runs the decorators bottom-up: the type check sits last so it reports first.
export class PublishSmartAppDto {
  @Length(1, 200_000, { message: 'source must be 1 to 200000 characters' })
  @IsString({ message: 'source must be the SmartApp module as a string' })
  source!: string;
}
