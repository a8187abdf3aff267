import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { UserEntity, UserRole } from '@refity/metadata';

export const USER_ROLES: UserRole[] = ['admin', 'user'];
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const USERNAME_RULE = 'username must be 2-64 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
const lowercase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class UserDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ enum: USER_ROLES, description: '`admin` manages users and deletes; `user` reads' })
  role: UserRole;

  @ApiProperty({ description: 'A disabled account cannot log in and its tokens are revoked' })
  disabled: boolean;

  @ApiProperty({ description: 'Until the password is changed, only me, password and logout answer' })
  mustChangePassword: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastLoginAt: string | null;

  static of(user: UserEntity): UserDto {
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      disabled: user.disabled,
      mustChangePassword: user.mustChangePassword,
      createdAt: user.createdAt.toISOString(),
      lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
    };
  }
}

export class CreateUserDto {
  @ApiProperty({ example: 'alice', pattern: USERNAME_PATTERN.source })
  @Transform(lowercase)
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  @ApiProperty({ example: 'violet-harbour-42', description: 'At least 10 characters, not common, not containing the username' })
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES, { message: 'role must be admin or user' })
  role: UserRole;

  @ApiPropertyOptional({ default: true, description: 'Make the user choose their own password at first login' })
  @IsOptional()
  @IsBoolean()
  mustChangePassword?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES, { message: 'role must be admin or user' })
  role?: UserRole;

  @ApiPropertyOptional({ description: 'Disabling revokes the account’s tokens' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class ResetPasswordDto {
  @ApiProperty({ example: 'violet-harbour-42' })
  @IsString()
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ default: true, description: 'Make the user change this password at next login' })
  @IsOptional()
  @IsBoolean()
  mustChangePassword?: boolean;
}
