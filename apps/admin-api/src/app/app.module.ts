import { DynamicModule, Module } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConsoleConfigModule } from './console-config/console-config.module';
import { CoreModule } from './core/core.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { GroupsModule } from './groups/groups.module';
import { HealthModule } from './health/health.module';
import { PermissionsModule } from './permissions/permissions.module';
import { PersonalTokensModule } from './personal-tokens/personal-tokens.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { RepositoriesModule } from './repositories/repositories.module';
import { RobotsModule } from './robots/robots.module';
import { TagsModule } from './tags/tags.module';
import { UploadsModule } from './uploads/uploads.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forConfig(config: RefityConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forConfig(config),
        AuthModule,
        UsersModule,
        GroupsModule,
        RepositoriesModule,
        TagsModule,
        DashboardModule,
        UploadsModule,
        HealthModule,
        ConsoleConfigModule,
        PermissionsModule,
        RobotsModule,
        PersonalTokensModule,
        AuditModule,
        MaintenanceModule,
      ],
    };
  }
}
