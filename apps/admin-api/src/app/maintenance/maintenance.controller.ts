import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@refity/auth';
import { ApiErrorResponse } from '../core/api-error';
import { GcReportDto, PutRetentionPolicyDto, RetentionPolicyDto, RunGcDto } from './maintenance.dto';
import { MaintenanceService } from './maintenance.service';

@ApiTags('Maintenance')
@ApiBearerAuth()
@RequireRole('admin')
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Not an admin, or password change pending' })
@Controller()
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Post('gc')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'runGc',
    summary: 'Run garbage collection now (admin)',
    description:
      'Applies the retention policies, then deletes blobs no kept manifest references (online; pushes may go on). ' +
      'Options default to the GC_* settings. Try dryRun first: it reports what would be deleted and the bytes reclaimed.',
  })
  @ApiResponse({ status: 200, type: GcReportDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'A run is already in progress' })
  @ApiResponse({ status: 503, type: ApiErrorResponse, description: 'Storage unavailable' })
  runGc(@Body() body: RunGcDto): Promise<GcReportDto> {
    return this.maintenance.runGc(body);
  }

  @Get('retention')
  @ApiOperation({ operationId: 'listRetentionPolicies', summary: 'Retention policies (admin)' })
  @ApiResponse({ status: 200, type: [RetentionPolicyDto] })
  list(): Promise<RetentionPolicyDto[]> {
    return this.maintenance.policies();
  }

  @Put('retention')
  @ApiOperation({
    operationId: 'putRetentionPolicy',
    summary: 'Create or replace the retention policy of a group or repository (admin)',
    description:
      'A tag is kept when it matches a protected glob, is among the keepLast newest unprotected tags, or is younger than keepDays; ' +
      'the next garbage collection deletes the others. At least one of keepLast and keepDays is required.',
  })
  @ApiResponse({ status: 200, type: RetentionPolicyDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse })
  put(@Body() body: PutRetentionPolicyDto): Promise<RetentionPolicyDto> {
    return this.maintenance.putPolicy(body);
  }

  @Delete('retention/:target')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteRetentionPolicy', summary: 'Remove a retention policy (admin)' })
  @ApiParam({ name: 'target', example: 'myteam%2Fapp', description: 'Group or repository, URL-encoded' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  async remove(@Param('target') target: string): Promise<void> {
    await this.maintenance.removePolicy(target);
  }
}
