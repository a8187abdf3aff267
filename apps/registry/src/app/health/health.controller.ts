import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MetadataStore } from '@refity/metadata';
import { StorageDriver } from '@refity/storage-api';
import { STORAGE } from '../tokens';

/** Liveness (the process answers) and readiness (storage and database reachable). */
@Controller()
export class HealthController {
  constructor(
    @Inject(STORAGE) private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() response: Response): Promise<void> {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await probe();
        return { ok: true };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    };
    const [storage, database] = await Promise.all([check(() => this.storage.ping()), check(() => this.metadata.dataSource.query('SELECT 1'))]);
    const ready = storage.ok && database.ok;
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', storage, database });
  }
}
