import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RetentionPolicy } from '@refity/metadata';
import type { MaintenanceReport } from '@refity/registry-core';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

export class RetentionPolicyDto {
  @ApiProperty({ example: 'myteam/app', description: 'A group (all its repositories) or a repository (wins over its group)' })
  target: string;

  @ApiProperty({ type: Number, nullable: true, example: 10, description: 'Keep the N most recently pushed unprotected tags' })
  keepLast: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 30, description: 'Keep tags pushed within D days' })
  keepDays: number | null;

  @ApiProperty({ type: [String], example: ['latest', 'v*'], description: 'Tag globs never deleted (* and ?)' })
  protectedTags: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;

  static of(policy: RetentionPolicy): RetentionPolicyDto {
    return {
      target: policy.target,
      keepLast: policy.keepLast,
      keepDays: policy.keepDays,
      protectedTags: policy.protectedTags,
      updatedAt: new Date(policy.updatedAt).toISOString(),
    };
  }
}

export class PutRetentionPolicyDto {
  @ApiProperty({ example: 'myteam/app', maxLength: 255 })
  @IsString()
  @MaxLength(255)
  target: string;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, example: 10 })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: 'keepLast must be a whole number' })
  @Min(0)
  keepLast?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, example: 30 })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: 'keepDays must be a whole number' })
  @Min(0)
  keepDays?: number | null;

  @ApiPropertyOptional({ type: [String], example: ['latest', 'v*'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(/^[a-zA-Z0-9_.*?-]{1,128}$/, { each: true, message: 'protectedTags: tag characters plus * and ? only' })
  protectedTags?: string[];
}

export class RunGcDto {
  @ApiPropertyOptional({ default: false, description: 'Report what would be deleted; delete nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ description: 'Also delete manifests no tag reaches (default GC_DELETE_UNTAGGED)' })
  @IsOptional()
  @IsBoolean()
  deleteUntagged?: boolean;

  @ApiPropertyOptional({ minimum: 0, description: 'Never delete anything younger (default GC_GRACE_MINUTES)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(525_600)
  graceMinutes?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'Purge upload sessions idle for longer; 0 = never (default GC_PURGE_UPLOADS_HOURS)' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  purgeUploadsHours?: number;

  @ApiPropertyOptional({ example: 'myteam', description: 'Only this group' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  group?: string;

  @ApiPropertyOptional({ default: true, description: 'Apply retention policies first' })
  @IsOptional()
  @IsBoolean()
  retention?: boolean;
}

export class GcTagDto {
  @ApiProperty({ example: 'myteam/app' })
  repository: string;

  @ApiProperty({ example: '1.0.0' })
  tag: string;

  @ApiProperty({ example: 'sha256:…' })
  digest: string;
}

export class GcManifestDto {
  @ApiProperty({ example: 'myteam/app' })
  repository: string;

  @ApiProperty({ example: 'sha256:…' })
  digest: string;
}

export class GcBlobDto extends GcManifestDto {
  @ApiProperty()
  size: number;
}

export class GcRetentionReportDto {
  @ApiProperty({ description: 'Policies in force' })
  policies: number;

  @ApiProperty({ description: 'Repositories a policy applied to' })
  repositories: number;

  @ApiProperty({ type: [GcTagDto] })
  @Type(() => GcTagDto)
  deletedTags: GcTagDto[];

  @ApiProperty({ type: [GcManifestDto], description: 'Manifests that lost their last tag, and their referrers' })
  @Type(() => GcManifestDto)
  deletedManifests: GcManifestDto[];
}

export class GcSweepReportDto {
  @ApiProperty()
  repositories: number;

  @ApiProperty({ type: [GcManifestDto], description: 'Untagged manifests (with deleteUntagged)' })
  deletedManifests: GcManifestDto[];

  @ApiProperty({ type: [GcBlobDto] })
  deletedBlobs: GcBlobDto[];

  @ApiProperty({ description: 'Bytes of the deleted blobs' })
  reclaimedBytes: number;

  @ApiProperty({ type: [String], description: 'Purged upload session ids' })
  purgedUploads: string[];

  @ApiProperty({ type: [String], description: 'Storage paths of temporary files left by writes that never finished (in a dry run: those it would remove)' })
  removedTemporaryFiles: string[];
}

export class GcReportDto {
  @ApiProperty({ description: 'True when nothing was deleted (report only)' })
  dryRun: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  startedAt: string;

  @ApiProperty()
  durationMs: number;

  @ApiProperty({ type: GcRetentionReportDto, nullable: true, description: 'Null when retention was not applied' })
  retention: GcRetentionReportDto | null;

  @ApiProperty({ type: GcSweepReportDto })
  gc: GcSweepReportDto;

  static of(report: MaintenanceReport): GcReportDto {
    return {
      dryRun: report.dryRun,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      retention: report.retention
        ? {
            policies: report.retention.policies,
            repositories: report.retention.repositories.length,
            deletedTags: report.retention.deletedTags,
            deletedManifests: report.retention.deletedManifests,
          }
        : null,
      gc: {
        repositories: report.gc.repositories,
        deletedManifests: report.gc.deletedManifests,
        deletedBlobs: report.gc.deletedBlobs,
        reclaimedBytes: report.gc.reclaimedBytes,
        purgedUploads: report.gc.purgedUploads,
        removedTemporaryFiles: report.gc.removedTemporaryFiles,
      },
    };
  }
}
