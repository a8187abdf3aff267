import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@refity/auth';
import { ApiErrorResponse } from '../core/api-error';
import { GROUP_PARAM, REPOSITORY_PARAM } from '../repositories/repositories.controller';
import { ManifestDetailDto, TagDetailDto, TagDto } from './tag.dto';
import { TagsService } from './tags.service';

const TAG_PARAM = { name: 'tag', example: '1.0.0' } as const;

@ApiTags('Tags')
@ApiBearerAuth()
@ApiParam(GROUP_PARAM)
@ApiParam(REPOSITORY_PARAM)
@ApiResponse({ status: 401, type: ApiErrorResponse, description: 'No valid token' })
@ApiResponse({ status: 403, type: ApiErrorResponse, description: 'Role missing, or password change pending' })
@ApiResponse({ status: 404, type: ApiErrorResponse, description: 'Repository, tag or manifest unknown' })
@Controller('repositories/:group/:repository')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Get('tags')
  @ApiOperation({ operationId: 'listTags', summary: 'Tags of a repository: digest, media type, size, platforms, pushed at' })
  @ApiResponse({ status: 200, type: [TagDto] })
  list(@Param('group') group: string, @Param('repository') repository: string): Promise<TagDto[]> {
    return this.tags.list(`${group}/${repository}`);
  }

  @Get('tags/:tag')
  @ApiOperation({ operationId: 'getTag', summary: 'Tag detail: platforms, layers, config, history, referrers, manifest' })
  @ApiParam(TAG_PARAM)
  @ApiResponse({ status: 200, type: TagDetailDto })
  detail(@Param('group') group: string, @Param('repository') repository: string, @Param('tag') tag: string): Promise<TagDetailDto> {
    return this.tags.detail(`${group}/${repository}`, tag);
  }

  @Delete('tags/:tag')
  @RequireRole('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteTag',
    summary: 'Delete a tag (admin)',
    description:
      'Removes the tag from metadata and its tag file from storage: no longer listed nor pullable by tag. ' +
      'The manifest is deleted too unless another tag or an index of the repository points at it.',
  })
  @ApiParam(TAG_PARAM)
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 503, type: ApiErrorResponse, description: 'Storage unavailable' })
  async delete(@Param('group') group: string, @Param('repository') repository: string, @Param('tag') tag: string): Promise<void> {
    await this.tags.delete(`${group}/${repository}`, tag);
  }

  @Get('manifests/:digest')
  @ApiOperation({ operationId: 'getManifest', summary: 'One image manifest by digest (e.g. a platform of an index)' })
  @ApiParam({ name: 'digest', example: 'sha256:…' })
  @ApiResponse({ status: 200, type: ManifestDetailDto })
  manifest(@Param('group') group: string, @Param('repository') repository: string, @Param('digest') digest: string): Promise<ManifestDetailDto> {
    return this.tags.manifest(`${group}/${repository}`, digest);
  }
}
