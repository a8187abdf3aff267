import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { CatalogQueries } from '@refity/metadata';
import { StorageDriver } from '@refity/storage-api';
import { Subscription } from 'rxjs';
import { CatalogEvents } from '../core/catalog-events';
import { CONFIG, STORAGE } from '../core/tokens';
import { UploadsService } from '../uploads/uploads.service';
import { DashboardDto, StorageStatusDto } from './dashboard.dto';
import { HetznerStorageBoxClient } from './hetzner-storage-box.client';

/** Pushes arrive through the registry process, so they only show once the cache expires. */
export const DASHBOARD_CACHE_MS = 10_000;
const RECENT_PUSHES = 10;

@Injectable()
export class DashboardService implements OnModuleDestroy {
  private cached: { value: Promise<DashboardDto>; expiresAt: number } | null = null;
  private readonly invalidation: Subscription;
  private readonly hetzner: HetznerStorageBoxClient | null;

  constructor(
    private readonly catalog: CatalogQueries,
    private readonly uploads: UploadsService,
    @Inject(STORAGE) private readonly storage: StorageDriver,
    @Inject(CONFIG) private readonly config: RefityConfig,
    events: CatalogEvents,
  ) {
    // Deletes through this API drop the cache at once.
    this.invalidation = events.changed.subscribe(() => (this.cached = null));
    const hetzner = config.admin.hetzner;
    this.hetzner = hetzner ? new HetznerStorageBoxClient(hetzner.apiUrl, hetzner.token, hetzner.boxId) : null;
  }

  onModuleDestroy(): void {
    this.invalidation.unsubscribe();
  }

  dashboard(now = Date.now()): Promise<DashboardDto> {
    if (!this.cached || this.cached.expiresAt <= now) {
      const value = this.compute();
      this.cached = { value, expiresAt: now + DASHBOARD_CACHE_MS };
      // A failed computation is not cached.
      value.catch(() => (this.cached = null));
    }
    return this.cached.value;
  }

  private async compute(): Promise<DashboardDto> {
    const [totals, groups, recent, uploads, sftp, usage] = await Promise.all([
      this.catalog.totals(),
      this.catalog.groupSummaries(),
      this.catalog.recentPushes(RECENT_PUSHES),
      this.uploads.snapshot(),
      this.storageStatus(),
      this.storageUsage(),
    ]);
    return {
      images: totals.tags,
      groups: totals.groups,
      repositories: totals.repositories,
      totalSize: totals.uniqueBlobBytes,
      recentPushes: recent.map((push) => ({ ...push, pushedAt: push.pushedAt.toISOString() })),
      uploads: uploads.queue,
      sftp,
      storagePerGroup: groups.map((group) => ({ group: group.name, size: group.size })),
      ...usage,
      generatedAt: new Date().toISOString(),
    };
  }

  private async storageStatus(): Promise<StorageStatusDto> {
    const started = performance.now();
    const base = { driver: this.storage.name, configured: this.config.sftp !== undefined, host: this.config.sftp?.host ?? null };
    try {
      await this.storage.ping();
      return { ...base, connected: true, latencyMs: Math.round((performance.now() - started) * 10) / 10, error: null };
    } catch (error) {
      return { ...base, connected: false, latencyMs: null, error: (error as Error).message };
    }
  }

  private async storageUsage(): Promise<Pick<DashboardDto, 'storageUsage' | 'storageUsageError'>> {
    if (!this.hetzner) return {};
    try {
      return { storageUsage: await this.hetzner.usage() };
    } catch (error) {
      return { storageUsageError: (error as Error).message };
    }
  }
}
