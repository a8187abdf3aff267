import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { RepositorySort, RepositorySummary } from '@refity/metadata';
import { PageOf, PageQuery } from '../core/page';

const SORTS: RepositorySort[] = ['name', 'size', 'tags', 'updated'];

export class RepositoryDto {
  @ApiProperty({ example: 'myteam/app', description: 'Full name, as in `docker pull <registry>/<name>`' })
  name: string;

  @ApiProperty({ example: 'myteam' })
  group: string;

  @ApiProperty({ example: 'app', description: 'The name inside the group (may contain "/")' })
  repository: string;

  @ApiProperty()
  tagCount: number;

  @ApiProperty({ description: 'Bytes of the blobs stored for this repository' })
  totalSize: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Last push, or creation when nothing was pushed' })
  updatedAt: string;

  @ApiProperty({ example: 'docker pull localhost:5000/myteam/app', description: 'Uses REGISTRY_URL' })
  pullCommand: string;

  static of(summary: RepositorySummary, registryUrl: string): RepositoryDto {
    return {
      name: summary.name,
      group: summary.group,
      repository: summary.name.slice(summary.group.length + 1),
      tagCount: summary.tagCount,
      totalSize: summary.size,
      createdAt: summary.createdAt.toISOString(),
      updatedAt: summary.updatedAt.toISOString(),
      pullCommand: `docker pull ${registryUrl}/${summary.name}`,
    };
  }
}

export class RepositoryPageDto extends PageOf(RepositoryDto, 'RepositoryPage') {}

export class GroupRepositoryListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the repository name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  search?: string;

  @ApiPropertyOptional({ enum: SORTS, default: 'name', description: '`updated` is the last push' })
  @IsOptional()
  @IsIn(SORTS, { message: `sort must be one of ${SORTS.join(', ')}` })
  sort?: RepositorySort;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';
}

export class RepositoryListQuery extends GroupRepositoryListQuery {
  @ApiPropertyOptional({ description: 'Only this group' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  group?: string;
}

export class CreateRepositoryDto {
  @ApiProperty({ example: 'myteam/app', description: '<group>/<repository>; the group must exist' })
  @IsString()
  @MaxLength(255)
  name: string;
}
