import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, RequireRole } from '@refity/auth';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrorResponse } from '../core/api-error';
import { CreateGrantDto, GrantDto, GrantListQuery } from './permission.dto';
import { PermissionsService } from './permissions.service';

const grantId = new ParseIntPipe({ errorHttpStatusCode: HttpStatus.BAD_REQUEST });

@ApiTags('Permissions')
@ApiBearerAuth()
@RequireRole('admin')
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Not an admin, or password change pending' })
@Controller('permissions')
export class PermissionsController {
  constructor(private readonly permissions: PermissionsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listPermissions',
    summary: 'List registry grants (admin)',
    description: 'Who may pull, push or delete where. Admins need no grants: they may do everything.',
  })
  @ApiResponse({ status: 200, type: [GrantDto] })
  list(@Query() query: GrantListQuery): Promise<GrantDto[]> {
    return this.permissions.list(query);
  }

  @Post()
  @ApiOperation({
    operationId: 'setPermission',
    summary: 'Grant pull, push or delete on a group or repository glob (admin)',
    description:
      'One grant per subject and target: granting the same target again replaces the action. `push` includes pull, `delete` includes push. ' +
      'Takes effect with the next registry token (at most REGISTRY_TOKEN_EXPIRES_IN later for tokens already issued).',
  })
  @ApiResponse({ status: 201, type: GrantDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Bad pattern, or not exactly one of userId / robotId' })
  @ApiResponse({ status: 404, type: ApiErrorResponse, description: 'No such user, robot or group' })
  set(@CurrentUser() actor: AuthenticatedUser, @Body() body: CreateGrantDto): Promise<GrantDto> {
    return this.permissions.set(body, actor.username);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deletePermission', summary: 'Remove a grant (admin)' })
  @ApiParam({ name: 'id', type: Number })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  async delete(@Param('id', grantId) id: number): Promise<void> {
    await this.permissions.delete(id);
  }
}
