import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, IsString, MaxLength } from 'class-validator';
import type { AuditActorType, AuditEntryEntity } from '@refity/metadata';
import { PageOf, PageQuery } from '../core/page';

export const AUDIT_ACTIONS = [
  'login.ok',
  'login.failed',
  'logout',
  'token.issued',
  'push',
  'pull',
  'delete',
  'permission.grant',
  'permission.revoke',
  'robot.create',
  'robot.update',
  'robot.revoke',
  'robot.secret',
  'robot.delete',
  'token.create',
  'token.revoke',
  'user.create',
  'user.update',
  'user.password-reset',
  'user.password-change',
  'user.delete',
  'group.create',
  'group.update',
  'group.delete',
  'repository.create',
  'repository.delete',
  'tag.delete',
];

export class AuditEntryDto {
  @ApiProperty()
  id: number;

  @ApiProperty({ type: String, format: 'date-time' })
  at: string;

  @ApiProperty({ example: 'push', description: `One of: ${AUDIT_ACTIONS.join(', ')}` })
  action: string;

  @ApiProperty({ enum: ['user', 'robot', 'anonymous', 'system'] })
  actorType: AuditActorType;

  @ApiProperty({ type: String, nullable: true, example: 'robot$ci-builder', description: 'Account, or the name a failed login tried; null when anonymous' })
  actor: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  clientAddress: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'myteam/app' })
  repository: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1.4.0' })
  tag: string | null;

  @ApiProperty({ type: String, nullable: true })
  digest: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The rest: granted scopes, changed fields, why a login failed' })
  detail: Record<string, unknown> | null;

  static of(entry: AuditEntryEntity): AuditEntryDto {
    let detail: Record<string, unknown> | null = null;
    if (entry.detail) {
      try {
        detail = JSON.parse(entry.detail);
      } catch {
        detail = { text: entry.detail };
      }
    }
    return {
      id: entry.id,
      at: entry.createdAt.toISOString(),
      action: entry.action,
      actorType: entry.actorType,
      actor: entry.actor,
      clientAddress: entry.clientAddress,
      repository: entry.repository,
      tag: entry.tag,
      digest: entry.digest,
      detail,
    };
  }
}

export const AuditPageDto = PageOf(AuditEntryDto, 'AuditPageDto');

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'alice', description: 'Exact actor (`robot$ci` for a robot)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  actor?: string;

  @ApiPropertyOptional({ example: 'login.*', description: 'Exact action, or a prefix ending in `*`' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  action?: string;

  @ApiPropertyOptional({ example: 'myteam/*', description: 'Exact repository, or a prefix ending in `*`' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  repository?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'From this time on (inclusive)' })
  @IsOptional()
  @IsDateString({}, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Up to this time (inclusive)' })
  @IsOptional()
  @IsDateString({}, { message: 'to must be an ISO 8601 date-time' })
  to?: string;
}
