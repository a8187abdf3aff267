import { Controller, Delete, Get, HttpCode, HttpStatus, MessageEvent, Param, ParseUUIDPipe, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AllowsQueryToken, RequireRole } from '@refity/auth';
import { distinctUntilChanged, from, map, Observable, switchMap, timer } from 'rxjs';
import { ApiErrorResponse } from '../core/api-error';
import { UploadJobDto, UploadSnapshotDto } from './upload.dto';
import { UploadsService } from './uploads.service';

const EVENT_INTERVAL_MS = 2_000;

@ApiTags('Uploads')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Role missing, or password change pending' })
@Controller('uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listUploads',
    summary: 'Blob uploads in progress',
    description:
      'The registry’s open upload sessions with the bytes received so far. Blobs reach storage inside the client’s final PUT, ' +
      'so there are no failed background jobs to retry: a client whose upload failed was told so and retries.',
  })
  @ApiResponse({ status: 200, type: [UploadJobDto] })
  async list(): Promise<UploadJobDto[]> {
    return (await this.uploads.snapshot()).jobs;
  }

  @Sse('events')
  @AllowsQueryToken()
  @ApiOperation({
    operationId: 'uploadEvents',
    summary: 'Live upload progress (Server-Sent Events)',
    description: `A \`snapshot\` event (UploadSnapshotDto as JSON) now and whenever it changes (checked every ${EVENT_INTERVAL_MS / 1000} s). EventSource cannot send headers, so the token may be given as ?access_token=.`,
  })
  @ApiQuery({ name: 'access_token', type: String, required: false, description: 'The bearer token, for EventSource' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, type: UploadSnapshotDto, description: 'text/event-stream of snapshot events' })
  events(): Observable<MessageEvent> {
    return timer(0, EVENT_INTERVAL_MS).pipe(
      switchMap(() => from(this.uploads.snapshot())),
      map((snapshot) => JSON.stringify(snapshot)),
      distinctUntilChanged(),
      map((data) => ({ type: 'snapshot', data })),
    );
  }

  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'discardUpload', summary: 'Discard an abandoned upload and its buffered bytes (admin)' })
  @ApiResponse({ status: 204, description: 'Discarded' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  async discard(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.uploads.discard(id);
  }
}
