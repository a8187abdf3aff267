import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { UserDto } from '../users/user.dto';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username: string;

  @ApiProperty({ example: 'admin' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'Bearer token: send as `Authorization: Bearer <token>`' })
  token: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ type: UserDto })
  user: UserDto;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  currentPassword: string;

  @ApiProperty({ description: 'At least 10 characters, not common, not containing the username' })
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}
