import { IsString, Length } from 'class-validator';

export class DeviceLabelDto {
  @IsString()
  @Length(1, 100, { message: 'Please give the device a name of at most 100 characters' })
  label!: string;
}
