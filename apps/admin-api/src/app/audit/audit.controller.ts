import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@refity/auth';
import { AuditStore } from '@refity/metadata';
import { ApiErrorResponse } from '../core/api-error';
import { Page } from '../core/page';
import { AuditEntryDto, AuditPageDto, AuditQuery } from './audit.dto';

@ApiTags('Audit')
@ApiBearerAuth()
@RequireRole('admin')
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Not an admin, or password change pending' })
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditStore) {}

  @Get()
  @ApiOperation({
    operationId: 'listAudit',
    summary: 'The audit log, newest first (admin)',
    description:
      'Logins (admin API and registry token endpoint), issued registry tokens, pushes, manifest pulls (AUDIT_PULLS), deletes, permission, robot, token, user and group changes, ' +
      'with actor, client address and time. The registry writes its entries in batches, so they show up within a second.',
  })
  @ApiResponse({ status: 200, type: AuditPageDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse })
  async list(@Query() query: AuditQuery): Promise<Page<AuditEntryDto>> {
    const from = query.from ? new Date(query.from) : undefined;
    const to = query.to ? new Date(query.to) : undefined;
    if (from && to && from > to) throw new BadRequestException('from must not be after to');
    const { items, total } = await this.audit.query({
      actor: query.actor,
      action: query.action,
      repository: query.repository,
      from,
      to,
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
    return { items: items.map((entry) => AuditEntryDto.of(entry)), total, page: query.page, pageSize: query.pageSize };
  }
}
