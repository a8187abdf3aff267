import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { GroupSummary } from '@refity/metadata';

/** The registry grammar's path component: the first part of every repository name. */
export const GROUP_NAME_PATTERN = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

export class GroupDto {
  @ApiProperty({ example: 'myteam' })
  name: string;

  @ApiProperty()
  repositoryCount: number;

  @ApiProperty({ description: 'Tags in all its repositories' })
  tagCount: number;

  @ApiProperty({ description: 'Bytes of the distinct blobs of its repositories (a layer shared by two repositories counts once)' })
  totalSize: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'Anonymous pull allowed (push still needs a grant)' })
  isPublic: boolean;

  static of(group: GroupSummary): GroupDto {
    return {
      name: group.name,
      repositoryCount: group.repositoryCount,
      tagCount: group.tagCount,
      totalSize: group.size,
      createdAt: group.createdAt.toISOString(),
      isPublic: group.isPublic,
    };
  }
}

export class UpdateGroupDto {
  @ApiProperty({ description: 'Let anyone pull from the group without logging in' })
  @IsBoolean({ message: 'isPublic must be true or false' })
  isPublic: boolean;
}

export class CreateGroupDto {
  @ApiProperty({ example: 'myteam', pattern: GROUP_NAME_PATTERN.source, maxLength: 128 })
  @IsString()
  @MaxLength(128)
  @Matches(GROUP_NAME_PATTERN, { message: 'name must be lowercase letters and digits, separated by ".", "_", "__" or "-" (e.g. my-team)' })
  name: string;
}

export class DeleteGroupQuery {
  @ApiPropertyOptional({ default: false, description: 'Also delete its repositories, their tags and their files on storage' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'force must be true or false' })
  force?: boolean;
}
