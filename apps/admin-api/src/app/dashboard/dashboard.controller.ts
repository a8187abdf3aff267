import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponse } from '../core/api-error';
import { DashboardDto } from './dashboard.dto';
import { DASHBOARD_CACHE_MS, DashboardService } from './dashboard.service';

@ApiTags('Dashboard')
@ApiBearerAuth()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @ApiOperation({
    operationId: 'getDashboard',
    summary: 'Totals, recent pushes, upload queue, storage status',
    description: `Cached for ${DASHBOARD_CACHE_MS / 1000} s; deletes through this API refresh it at once, pushes show within that time.`,
  })
  @ApiResponse({ status: 200, type: DashboardDto })
  @ApiResponse({ status: 401, type: ApiErrorResponse })
  @ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Password change pending' })
  get(): Promise<DashboardDto> {
    return this.dashboard.dashboard();
  }
}
