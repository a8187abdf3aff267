import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { CatalogQueries } from '@refity/metadata';
import { parseRepositoryName, RegistryAdminService } from '@refity/registry-core';
import { AdminAudit } from '../core/admin-audit';
import { CatalogEvents } from '../core/catalog-events';
import { CONFIG } from '../core/tokens';
import { RepositoryDto, RepositoryListQuery, RepositoryPageDto } from './repository.dto';

@Injectable()
export class RepositoriesService {
  constructor(
    private readonly catalog: CatalogQueries,
    private readonly admin: RegistryAdminService,
    private readonly events: CatalogEvents,
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly audit: AdminAudit,
  ) {}

  async list(query: RepositoryListQuery): Promise<RepositoryPageDto> {
    const page = await this.catalog.repositoryPage({
      group: query.group,
      search: query.search,
      sort: query.sort ?? 'name',
      order: query.order ?? 'asc',
      page: query.page,
      pageSize: query.pageSize,
    });
    return { items: page.items.map((item) => this.view(item)), total: page.total, page: query.page, pageSize: query.pageSize };
  }

  async get(name: string): Promise<RepositoryDto> {
    parseRepositoryName(name);
    const summary = await this.catalog.repositorySummary(name);
    if (!summary) throw new NotFoundException(`repository ${name} does not exist`);
    return this.view(summary);
  }

  async create(name: string): Promise<RepositoryDto> {
    await this.admin.createRepository(name);
    this.audit.record({ action: 'repository.create', repository: name });
    this.events.announceChange();
    return this.get(name);
  }

  async delete(name: string): Promise<void> {
    await this.admin.deleteRepository(name);
    this.audit.record({ action: 'repository.delete', repository: name });
    this.events.announceChange();
  }

  private view(summary: Parameters<typeof RepositoryDto.of>[0]): RepositoryDto {
    return RepositoryDto.of(summary, this.config.env.REGISTRY_URL);
  }
}
