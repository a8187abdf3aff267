import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@refity/auth';
import { ApiErrorResponse } from '../core/api-error';
import { CreateRepositoryDto, GroupRepositoryListQuery, RepositoryDto, RepositoryListQuery, RepositoryPageDto } from './repository.dto';
import { RepositoriesService } from './repositories.service';

export const GROUP_PARAM = { name: 'group', example: 'myteam' } as const;
export const REPOSITORY_PARAM = { name: 'repository', example: 'app', description: 'The name inside the group; URL-encode "/" (%2F) when nested' } as const;

@ApiTags('Repositories')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Role missing, or password change pending' })
@Controller()
export class RepositoriesController {
  constructor(private readonly repositories: RepositoriesService) {}

  @Get('repositories')
  @ApiOperation({ operationId: 'listRepositories', summary: 'List repositories: search, sort, pages' })
  @ApiResponse({ status: 200, type: RepositoryPageDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Bad query parameter' })
  list(@Query() query: RepositoryListQuery): Promise<RepositoryPageDto> {
    return this.repositories.list(query);
  }

  @Get('groups/:group/repositories')
  @ApiOperation({ operationId: 'listGroupRepositories', summary: 'List the repositories of one group' })
  @ApiParam(GROUP_PARAM)
  @ApiResponse({ status: 200, type: RepositoryPageDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Bad query parameter' })
  listOfGroup(@Param('group') group: string, @Query() query: GroupRepositoryListQuery): Promise<RepositoryPageDto> {
    return this.repositories.list({ ...query, group });
  }

  @Post('repositories')
  @RequireRole('admin')
  @ApiOperation({ operationId: 'createRepository', summary: 'Create an empty repository in an existing group (admin)' })
  @ApiResponse({ status: 201, type: RepositoryDto })
  @ApiResponse({ status: 400, type: ApiErrorResponse, description: 'Invalid name' })
  @ApiResponse({ status: 404, type: ApiErrorResponse, description: 'Group does not exist' })
  @ApiResponse({ status: 409, type: ApiErrorResponse, description: 'Exists already' })
  create(@Body() body: CreateRepositoryDto): Promise<RepositoryDto> {
    return this.repositories.create(body.name);
  }

  @Get('repositories/:group/:repository')
  @ApiOperation({ operationId: 'getRepository', summary: 'One repository' })
  @ApiParam(GROUP_PARAM)
  @ApiParam(REPOSITORY_PARAM)
  @ApiResponse({ status: 200, type: RepositoryDto })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  get(@Param('group') group: string, @Param('repository') repository: string): Promise<RepositoryDto> {
    return this.repositories.get(`${group}/${repository}`);
  }

  @Delete('repositories/:group/:repository')
  @RequireRole('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteRepository',
    summary: 'Delete a repository with its files (admin)',
    description: 'Removes its blobs and manifests from storage (registry/<group>/<repository>/), then its tags and metadata.',
  })
  @ApiParam(GROUP_PARAM)
  @ApiParam(REPOSITORY_PARAM)
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 404, type: ApiErrorResponse })
  @ApiResponse({ status: 503, type: ApiErrorResponse, description: 'Storage unavailable; nothing was removed from metadata' })
  async delete(@Param('group') group: string, @Param('repository') repository: string): Promise<void> {
    await this.repositories.delete(`${group}/${repository}`);
  }
}
