import { Injectable, NotFoundException } from '@nestjs/common';
import { CatalogQueries } from '@refity/metadata';
import { RegistryAdminService } from '@refity/registry-core';
import { CatalogEvents } from '../core/catalog-events';
import { GroupDto } from './group.dto';

@Injectable()
export class GroupsService {
  constructor(
    private readonly catalog: CatalogQueries,
    private readonly admin: RegistryAdminService,
    private readonly events: CatalogEvents,
  ) {}

  async list(): Promise<GroupDto[]> {
    return (await this.catalog.groupSummaries()).map(GroupDto.of);
  }

  async get(name: string): Promise<GroupDto> {
    const [group] = await this.catalog.groupSummaries(name);
    if (!group) throw new NotFoundException(`group ${name} does not exist`);
    return GroupDto.of(group);
  }

  async create(name: string): Promise<GroupDto> {
    await this.admin.createGroup(name);
    this.events.announceChange();
    return this.get(name);
  }

  async delete(name: string, force: boolean): Promise<void> {
    await this.admin.deleteGroup(name, force);
    this.events.announceChange();
  }
}
