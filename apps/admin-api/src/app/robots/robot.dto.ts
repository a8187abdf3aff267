import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDateString, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ROBOT_NAME_PATTERN, ROBOT_PREFIX } from '@refity/auth';
import type { RobotEntity } from '@refity/metadata';
import { GrantDto, GrantTargetDto } from '../permissions/permission.dto';

const lowercase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RobotDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'ci-builder' })
  name: string;

  @ApiProperty({ example: 'robot$ci-builder', description: 'What to log in with: `docker login -u robot$ci-builder`' })
  username: string;

  @ApiProperty({ example: 'GitLab CI of myteam' })
  description: string;

  @ApiProperty({ description: 'A disabled robot cannot log in; its registry tokens stop working within seconds' })
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last successful login (updated at most once a minute)' })
  lastUsedAt: string | null;

  @ApiProperty({ type: String, nullable: true })
  createdBy: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: [GrantDto] })
  permissions: GrantDto[];

  static of(robot: RobotEntity, permissions: GrantDto[]): RobotDto {
    return {
      id: robot.id,
      name: robot.name,
      username: ROBOT_PREFIX + robot.name,
      description: robot.description,
      disabled: robot.disabled,
      expiresAt: robot.expiresAt ? robot.expiresAt.toISOString() : null,
      lastUsedAt: robot.lastUsedAt ? robot.lastUsedAt.toISOString() : null,
      createdBy: robot.createdBy,
      createdAt: robot.createdAt.toISOString(),
      permissions,
    };
  }
}

export class RobotSecretDto {
  @ApiProperty({ type: RobotDto })
  robot: RobotDto;

  @ApiProperty({ description: 'The password of `robot$<name>`. Shown this once; only a hash is stored.' })
  secret: string;
}

export class CreateRobotDto {
  @ApiProperty({ example: 'ci-builder', pattern: ROBOT_NAME_PATTERN.source, description: 'Logs in as `robot$<name>`' })
  @Transform(lowercase)
  @IsString()
  @Matches(ROBOT_NAME_PATTERN, { message: 'name must be 2-64 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit' })
  name: string;

  @ApiPropertyOptional({ example: 'GitLab CI of myteam' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'After this the robot cannot log in (default: never)' })
  @IsOptional()
  @IsDateString({}, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;

  @ApiProperty({ type: [GrantTargetDto], description: 'What it may do (more can be granted later through /api/permissions)' })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => GrantTargetDto)
  permissions: GrantTargetDto[];
}

export class UpdateRobotDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'null: never expires' })
  @IsOptional()
  @IsDateString({}, { message: 'expiresAt must be an ISO 8601 date-time or null' })
  expiresAt?: string | null;

  @ApiPropertyOptional({ description: 'true revokes the robot (it cannot log in); false enables it again' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
