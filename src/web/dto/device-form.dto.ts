import { ArrayMaxSize, ArrayMinSize, IsIn, IsString, Length } from 'class-validator';
import { CAPABILITIES } from '../../locations/capabilities';

export class DeviceFormDto {
  @IsString()
  @Length(1, 100, { message: 'Please give the device a name of at most 100 characters' })
  label!: string;

  @ArrayMinSize(1, { message: 'Please choose at least one capability' })
  @ArrayMaxSize(CAPABILITIES.length)
  @IsIn(
    CAPABILITIES.map((c) => c.name),
    { each: true, message: 'Please choose capabilities from the list' },
  )
  capabilities!: string[];
}
