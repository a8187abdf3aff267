import { Inject, Injectable } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { ImageInspector, RegistryAdminService } from '@refity/registry-core';
import { AdminAudit } from '../core/admin-audit';
import { CatalogEvents } from '../core/catalog-events';
import { CONFIG } from '../core/tokens';
import { ManifestDetailDto, TagDetailDto, TagDto } from './tag.dto';

@Injectable()
export class TagsService {
  constructor(
    private readonly inspector: ImageInspector,
    private readonly admin: RegistryAdminService,
    private readonly events: CatalogEvents,
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly audit: AdminAudit,
  ) {}

  async list(name: string): Promise<TagDto[]> {
    return (await this.inspector.tags(name)).map((tag) => ({ ...tag, pushedAt: tag.pushedAt.toISOString() }));
  }

  async detail(name: string, tag: string): Promise<TagDetailDto> {
    const detail = await this.inspector.tagDetail(name, tag);
    return { ...detail, pushedAt: detail.pushedAt.toISOString(), pullCommand: `docker pull ${this.config.env.REGISTRY_URL}/${name}:${tag}` };
  }

  manifest(name: string, digest: string): Promise<ManifestDetailDto> {
    return this.inspector.describe(name, digest);
  }

  async delete(name: string, tag: string): Promise<void> {
    await this.admin.deleteTag(name, tag);
    this.audit.record({ action: 'tag.delete', repository: name, tag });
    this.events.announceChange();
  }
}
