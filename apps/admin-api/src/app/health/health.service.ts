import { Inject, Injectable } from '@nestjs/common';
import { MetadataStore } from '@refity/metadata';
import { StorageDriver } from '@refity/storage-api';
import { STORAGE } from '../core/tokens';
import { ComponentHealthDto, HealthDto } from './health.dto';

async function probe(check: () => Promise<unknown>): Promise<ComponentHealthDto> {
  const started = performance.now();
  try {
    await check();
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10, error: null };
  } catch (error) {
    return { ok: false, latencyMs: null, error: (error as Error).message };
  }
}

@Injectable()
export class HealthService {
  constructor(
    private readonly metadata: MetadataStore,
    @Inject(STORAGE) private readonly storage: StorageDriver,
  ) {}

  async check(): Promise<HealthDto> {
    const [database, storage] = await Promise.all([probe(() => this.metadata.dataSource.query('SELECT 1')), probe(() => this.storage.ping())]);
    return { status: database.ok && storage.ok ? 'ok' : 'unavailable', database, storage };
  }
}
