import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class RecentPushDto {
  @ApiProperty({ example: 'myteam/app' })
  repository: string;

  @ApiProperty({ example: '1.0.0' })
  tag: string;

  @ApiProperty()
  digest: string;

  @ApiProperty({ description: 'Compressed bytes (summed over the platforms of an index)' })
  size: number;

  @ApiProperty({ type: String, format: 'date-time' })
  pushedAt: string;
}

export class UploadQueueDto {
  @ApiProperty({ description: 'Open upload sessions whose client sent nothing for a minute (it may resume or give up)' })
  pending: number;

  @ApiProperty({ description: 'Open upload sessions that received bytes within the last minute' })
  running: number;

  @ApiProperty({
    description:
      'Always 0: a blob reaches storage while its client waits, inside the final PUT, so a failure is answered to ' +
      'that client, which retries; no failed job is kept',
  })
  failed: number;

  @ApiProperty({ description: 'Bytes received by open sessions, buffered on local disk until their final PUT' })
  bytesPending: number;
}

export class StorageStatusDto {
  @ApiProperty({ example: 'sftp', description: 'Storage driver: `sftp`, or `local` when no FTP_HOST is set' })
  driver: string;

  @ApiProperty({ description: 'True when SFTP (FTP_HOST) is configured' })
  configured: boolean;

  @ApiProperty({ description: 'The storage answered a ping' })
  connected: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'u12345.your-storagebox.de' })
  host: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Ping round trip' })
  latencyMs: number | null;

  @ApiProperty({ type: String, nullable: true })
  error: string | null;
}

export class GroupSizeDto {
  @ApiProperty()
  group: string;

  @ApiProperty({ description: 'Deduplicated blob bytes' })
  size: number;
}

export class StorageUsageDto {
  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ description: 'Bytes used (data + snapshots)' })
  usedBytes: number;

  @ApiProperty()
  dataBytes: number;

  @ApiProperty()
  snapshotBytes: number;

  @ApiProperty({ description: 'Capacity of the Storage Box plan' })
  totalBytes: number;
}

export class DashboardDto {
  @ApiProperty({ description: 'Images: tags across all repositories' })
  images: number;

  @ApiProperty()
  groups: number;

  @ApiProperty()
  repositories: number;

  @ApiProperty({ description: 'Bytes of distinct blobs (a layer shared by repositories counts once)' })
  totalSize: number;

  @ApiProperty({ type: [RecentPushDto] })
  recentPushes: RecentPushDto[];

  @ApiProperty({ type: UploadQueueDto })
  uploads: UploadQueueDto;

  @ApiProperty({ type: StorageStatusDto })
  sftp: StorageStatusDto;

  @ApiProperty({ type: [GroupSizeDto] })
  storagePerGroup: GroupSizeDto[];

  @ApiPropertyOptional({ type: StorageUsageDto, description: 'Hetzner Storage Box usage, when FTP_USAGE_ENABLED' })
  storageUsage?: StorageUsageDto;

  @ApiPropertyOptional({ type: String, description: 'Why the Storage Box usage could not be read' })
  storageUsageError?: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When these numbers were computed (cached for a few seconds)' })
  generatedAt: string;
}
