import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { Maintenance, MaintenanceBusyError, RetentionPolicyError } from '@refity/registry-core';
import { CatalogEvents } from '../core/catalog-events';
import { CONFIG } from '../core/tokens';
import { GcReportDto, PutRetentionPolicyDto, RetentionPolicyDto, RunGcDto } from './maintenance.dto';

@Injectable()
export class MaintenanceService {
  constructor(
    private readonly maintenance: Maintenance,
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly events: CatalogEvents,
  ) {}

  async policies(): Promise<RetentionPolicyDto[]> {
    return (await this.maintenance.retention.policies()).map(RetentionPolicyDto.of);
  }

  async putPolicy(body: PutRetentionPolicyDto): Promise<RetentionPolicyDto> {
    try {
      return RetentionPolicyDto.of(
        await this.maintenance.retention.setPolicy({
          target: body.target,
          keepLast: body.keepLast ?? null,
          keepDays: body.keepDays ?? null,
          protectedTags: body.protectedTags ?? [],
        }),
      );
    } catch (error) {
      if (error instanceof RetentionPolicyError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  async removePolicy(target: string): Promise<void> {
    if (!(await this.maintenance.retention.removePolicy(target))) throw new NotFoundException(`no retention policy for ${target}`);
  }

  async runGc(body: RunGcDto): Promise<GcReportDto> {
    const defaults = this.config.gc;
    try {
      const report = await this.maintenance.run({
        dryRun: body.dryRun ?? false,
        deleteUntagged: body.deleteUntagged ?? defaults.deleteUntagged,
        gracePeriodMs: body.graceMinutes !== undefined ? body.graceMinutes * 60_000 : defaults.gracePeriodMs,
        uploadMaxIdleMs:
          body.purgeUploadsHours === undefined ? defaults.uploadMaxIdleMs : body.purgeUploadsHours > 0 ? body.purgeUploadsHours * 3_600_000 : undefined,
        group: body.group,
        retention: body.retention ?? true,
      });
      if (!report.dryRun) this.events.announceChange();
      return GcReportDto.of(report);
    } catch (error) {
      if (error instanceof MaintenanceBusyError) throw new ConflictException(error.message);
      throw error;
    }
  }
}
