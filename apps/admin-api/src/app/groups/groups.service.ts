import { Injectable, NotFoundException } from '@nestjs/common';
import { AccessStore, CatalogQueries } from '@refity/metadata';
import { RegistryAdminService } from '@refity/registry-core';
import { AdminAudit } from '../core/admin-audit';
import { CatalogEvents } from '../core/catalog-events';
import { GroupDto } from './group.dto';

@Injectable()
export class GroupsService {
  constructor(
    private readonly catalog: CatalogQueries,
    private readonly admin: RegistryAdminService,
    private readonly events: CatalogEvents,
    private readonly access: AccessStore,
    private readonly audit: AdminAudit,
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
    this.audit.record({ action: 'group.create', detail: { group: name } });
    this.events.announceChange();
    return this.get(name);
  }

  async update(name: string, isPublic: boolean): Promise<GroupDto> {
    if (!(await this.access.setGroupPublic(name, isPublic))) throw new NotFoundException(`group ${name} does not exist`);
    this.audit.record({ action: 'group.update', detail: { group: name, isPublic } });
    return this.get(name);
  }

  async delete(name: string, force: boolean): Promise<void> {
    const { deletedRepositories } = await this.admin.deleteGroup(name, force);
    this.audit.record({ action: 'group.delete', detail: { group: name, force, deletedRepositories } });
    this.events.announceChange();
  }
}
