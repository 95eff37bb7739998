import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

export class SignUpDto {
  @IsString()
  @Length(1, 200, { message: 'Please give your name' })
  name!: string;

  @IsEmail({}, { message: 'Please give a valid email address' })
  @MaxLength(320)
  email!: string;

  @IsString()
  @Length(10, 200, { message: 'The password must be at least 10 characters' })
  password!: string;
}
