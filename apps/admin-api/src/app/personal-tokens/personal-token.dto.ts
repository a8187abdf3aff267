import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { PersonalTokenEntity } from '@refity/metadata';

export class PersonalTokenDto {
  @ApiProperty({ example: 4 })
  id: number;

  @ApiProperty({ example: 'laptop docker' })
  name: string;

  @ApiProperty()
  userId: number;

  @ApiProperty({ example: 'rfy_pat_0123456789abcdef', description: 'The token’s public prefix, to recognise it (the secret part is never shown again)' })
  prefix: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last successful registry login (updated at most once a minute)' })
  lastUsedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'Neither revoked nor expired' })
  active: boolean;

  static of(token: PersonalTokenEntity, now = new Date()): PersonalTokenDto {
    return {
      id: token.id,
      name: token.name,
      userId: token.userId,
      prefix: `rfy_pat_${token.publicId}`,
      expiresAt: token.expiresAt ? token.expiresAt.toISOString() : null,
      revokedAt: token.revokedAt ? token.revokedAt.toISOString() : null,
      lastUsedAt: token.lastUsedAt ? token.lastUsedAt.toISOString() : null,
      createdAt: token.createdAt.toISOString(),
      active: !token.revokedAt && (!token.expiresAt || token.expiresAt.getTime() > now.getTime()),
    };
  }
}

export class CreatedPersonalTokenDto {
  @ApiProperty({ type: PersonalTokenDto })
  token: PersonalTokenDto;

  @ApiProperty({ example: 'alice', description: 'Log in with this username and the secret: `docker login -u alice --password-stdin`' })
  username: string;

  @ApiProperty({ description: 'The token (`rfy_pat_…`). Shown this once; only a hash is stored.' })
  secret: string;
}

export class CreatePersonalTokenDto {
  @ApiProperty({ example: 'laptop docker', description: 'What it is for' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'After this the token stops working (default: never)' })
  @IsOptional()
  @IsDateString({}, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
}

export class PersonalTokenListQuery {
  @ApiPropertyOptional({ type: 'integer', description: 'Admins: another user’s tokens' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  userId?: number;
}
