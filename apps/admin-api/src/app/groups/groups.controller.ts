import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@refity/auth';
import { ApiErrorResponse } from '../core/api-error';
import { CreateGroupDto, DeleteGroupQuery, GroupDto, UpdateGroupDto } from './group.dto';
import { GroupsService } from './groups.service';

@ApiTags('Groups')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Role missing, or password change pending' })
@Controller('groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOperation({ operationId: 'listGroups', summary: 'List groups with repository count and size' })
  @ApiResponse({ status: 200, type: [GroupDto] })
  list(): Promise<GroupDto[]> {
    return this.groups.list();
  }

  @Get(':group')
  @ApiOperation({ operationId: 'getGroup', summary: 'One group' })
  @ApiParam({ name: 'group', example: 'myteam' })
  @ApiResponse({ status: 200, type: GroupDto })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  get(@Param('group') group: string): Promise<GroupDto> {
    return this.groups.get(group);
  }

  @Post()
  @RequireRole('admin')
  @ApiOperation({ operationId: 'createGroup', summary: 'Create a group (admin)', description: 'Pushes into a group need it to exist (unless AUTO_CREATE_GROUPS).' })
  @ApiResponse({ status: 201, type: GroupDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Name does not follow the registry grammar' })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'Exists already' })
  create(@Body() body: CreateGroupDto): Promise<GroupDto> {
    return this.groups.create(body.name);
  }

  @Patch(':group')
  @RequireRole('admin')
  @ApiOperation({
    operationId: 'updateGroup',
    summary: 'Make a group public or private (admin)',
    description: 'A public group can be pulled from without logging in (`docker pull` works anonymously); pushing still needs a grant.',
  })
  @ApiParam({ name: 'group', example: 'myteam' })
  @ApiResponse({ status: 200, type: GroupDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  update(@Param('group') group: string, @Body() body: UpdateGroupDto): Promise<GroupDto> {
    return this.groups.update(group, body.isPublic);
  }

  @Delete(':group')
  @RequireRole('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteGroup',
    summary: 'Delete a group (admin)',
    description: 'Refused (409) while it has repositories, unless force=true, which deletes them with their files on storage.',
  })
  @ApiParam({ name: 'group', example: 'myteam' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'Not empty and force not set' })
  @ApiResponse({ status: 503, type: ApiErrorResponse, description: 'Storage unavailable' })
  async delete(@Param('group') group: string, @Query() query: DeleteGroupQuery): Promise<void> {
    await this.groups.delete(group, query.force ?? false);
  }
}
