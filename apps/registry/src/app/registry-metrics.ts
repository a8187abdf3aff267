import { Injectable, OnModuleInit } from '@nestjs/common';
import { MetadataStore } from '@refity/metadata';
import { MetricsService } from '@refity/observability';
import { CacheStats } from '@refity/storage-cache';
import { Counter, Gauge, Registry } from 'prom-client';

/** Upload-queue gauges, read from metadata when Prometheus scrapes. */
@Injectable()
export class RegistryMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly metadata: MetadataStore,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    const state = () => this.metadata.uploadQueueState();
    new Gauge({
      name: 'refity_upload_sessions',
      help: 'Blob uploads in progress',
      registers,
      async collect() {
        this.set((await state()).sessions);
      },
    });
    new Gauge({
      name: 'refity_upload_buffered_bytes',
      help: 'Bytes received by uploads in progress',
      registers,
      async collect() {
        this.set((await state()).bytes);
      },
    });
    new Gauge({
      name: 'refity_upload_oldest_age_seconds',
      help: 'Age of the oldest upload in progress',
      registers,
      async collect() {
        const oldest = (await state()).oldestStartedAt;
        this.set(oldest ? (Date.now() - oldest.getTime()) / 1000 : 0);
      },
    });
  }
}

/** Read-cache counters and size (CACHE_MAX_BYTES), read from the cache when Prometheus scrapes. */
export function registerCacheMetrics(registry: Registry, cache: { stats(): CacheStats }): void {
  const registers = [registry];
  const counter = (name: string, help: string, value: (stats: CacheStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value(cache.stats()));
      },
    });
  const gauge = (name: string, help: string, value: (stats: CacheStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(cache.stats()));
      },
    });
  counter('refity_cache_hits_total', 'Blob and manifest reads answered from the local read cache', (s) => s.hits);
  counter('refity_cache_misses_total', 'Blob and manifest reads the read cache had to pass to SFTP', (s) => s.misses);
  counter('refity_cache_hit_bytes_total', 'Bytes answered from the read cache', (s) => s.hitBytes);
  counter('refity_cache_filled_bytes_total', 'Bytes copied into the read cache', (s) => s.fillBytes);
  counter('refity_cache_rejected_total', 'SFTP reads not cached because their bytes did not match their digest', (s) => s.rejected);
  counter('refity_cache_evictions_total', 'Copies evicted from the read cache to stay within CACHE_MAX_BYTES', (s) => s.evictions);
  gauge('refity_cache_bytes', 'Bytes held by the read cache', (s) => s.bytes);
  gauge('refity_cache_entries', 'Files held by the read cache', (s) => s.entries);
}
