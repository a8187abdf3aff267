import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { GRANT_ACTIONS, GrantAction, GrantEntity, GrantScope } from '@refity/metadata';

export const GRANT_SCOPES: GrantScope[] = ['group', 'repository'];

export class GrantDto {
  @ApiProperty({ example: 3 })
  id: number;

  @ApiProperty({ enum: ['user', 'robot'] })
  subjectType: 'user' | 'robot';

  @ApiProperty({ type: Number, nullable: true })
  userId: number | null;

  @ApiProperty({ type: Number, nullable: true })
  robotId: number | null;

  @ApiProperty({ example: 'alice', description: 'Username, or `robot$<name>`' })
  subject: string;

  @ApiProperty({ enum: GRANT_SCOPES, description: '`group`: every repository of the group (nested ones too); `repository`: names matching the glob' })
  scope: GrantScope;

  @ApiProperty({ example: 'myteam', description: 'Group name, or repository glob: `*` within one path component, `**` across (`myteam/*`, `*/base-*`)' })
  pattern: string;

  @ApiProperty({ enum: GRANT_ACTIONS, description: '`pull`; `push` (includes pull); `delete` (includes push)' })
  action: GrantAction;

  @ApiProperty({ type: String, nullable: true, description: 'Admin who set it' })
  createdBy: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  static of(grant: GrantEntity, subject: string): GrantDto {
    return {
      id: grant.id,
      subjectType: grant.userId !== null ? 'user' : 'robot',
      userId: grant.userId,
      robotId: grant.robotId,
      subject,
      scope: grant.scope,
      pattern: grant.pattern,
      action: grant.action,
      createdBy: grant.createdBy,
      createdAt: grant.createdAt.toISOString(),
    };
  }
}

/** Where and what: one of pull / push / delete on a group or a repository glob. */
export class GrantTargetDto {
  @ApiProperty({ enum: GRANT_SCOPES })
  @IsIn(GRANT_SCOPES, { message: 'scope must be group or repository' })
  scope: GrantScope;

  @ApiProperty({ example: 'myteam', description: 'Group name (scope group), or repository glob (scope repository): `myteam/*`, `*/base-*`, `myteam/**`' })
  @IsString()
  @MaxLength(255)
  pattern: string;

  @ApiProperty({ enum: GRANT_ACTIONS })
  @IsIn(GRANT_ACTIONS, { message: 'action must be pull, push or delete' })
  action: GrantAction;
}

export class CreateGrantDto extends GrantTargetDto {
  @ApiPropertyOptional({ description: 'The user to grant to (or robotId)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  userId?: number;

  @ApiPropertyOptional({ description: 'The robot to grant to (or userId)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  robotId?: number;
}

export class GrantListQuery {
  @ApiPropertyOptional({ type: 'integer', description: 'Only this user’s grants' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  userId?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Only this robot’s grants' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  robotId?: number;
}
