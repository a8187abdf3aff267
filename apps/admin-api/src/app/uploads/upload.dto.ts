import { ApiProperty } from '@nestjs/swagger';
import { UploadQueueDto } from '../dashboard/dashboard.dto';

export type UploadState = 'running' | 'pending';

export class UploadJobDto {
  @ApiProperty({ description: 'Upload session id (the /v2 upload UUID)' })
  id: string;

  @ApiProperty({ example: 'myteam/app' })
  repository: string;

  @ApiProperty({ enum: ['running', 'pending'], description: '`running`: bytes arrived within the last minute; `pending`: waiting for the client' })
  state: UploadState;

  @ApiProperty({ description: 'Bytes received so far (the total is unknown until the client finishes)' })
  bytesReceived: number;

  @ApiProperty({ type: String, format: 'date-time' })
  startedAt: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Last bytes received' })
  updatedAt: string;
}

export class UploadSnapshotDto {
  @ApiProperty({ type: UploadQueueDto })
  queue: UploadQueueDto;

  @ApiProperty({ type: [UploadJobDto] })
  jobs: UploadJobDto[];
}
