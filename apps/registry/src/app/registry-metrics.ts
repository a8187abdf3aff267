import { Injectable, OnModuleInit } from '@nestjs/common';
import { MetadataStore } from '@refity/metadata';
import { MetricsService } from '@refity/observability';
import { Gauge } from 'prom-client';

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
