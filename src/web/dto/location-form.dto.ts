import { IsIn, IsString, Length } from 'class-validator';
import { TIME_ZONES } from '../time-zones';

export class LocationFormDto {
  @IsString()
  @Length(1, 100, { message: 'Please give the location a name of at most 100 characters' })
  name!: string;

  @IsIn(TIME_ZONES, { message: 'Please choose a time zone from the list' })
  timeZone!: string;
}
