import { IsString, Length } from 'class-validator';

export class LocationNameDto {
  @IsString()
  @Length(1, 100, { message: 'Please give the location a name of at most 100 characters' })
  name!: string;
}
