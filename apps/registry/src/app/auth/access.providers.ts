import { Inject, Injectable, Logger, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { ensureFirstAdmin, firstAdminMessage, LoginLimiter, RegistryCredentials, registryTokenKeys, RegistryTokenService } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { AccessStore, AuditStore, MetadataStore, UserStore } from '@refity/metadata';
import { CONFIG } from '../tokens';
import { RegistryAccess } from './registry-access';
import { RegistryAudit } from './registry-audit';
import { TokenEndpoint } from './token-endpoint';

/** With auth on, seeds the first admin like the admin API does, so a registry alone can be logged in to. */
@Injectable()
export class RegistryAuthBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('RegistryAuth');

  constructor(
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly users: UserStore,
    private readonly tokens: RegistryTokenService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const auth = this.config.registryAuth;
    if (!auth.enabled) {
      this.logger.warn('REGISTRY_AUTH=none: /v2 is open, anyone who can reach it may push, pull and delete');
      return;
    }
    const seeded = await ensureFirstAdmin(this.users, this.config.env.ADMIN_PASSWORD);
    if (seeded) this.logger.warn(firstAdminMessage(seeded.weak));
    const source = registryTokenKeys(this.config).source;
    if (source === 'random') {
      this.logger.warn('neither REGISTRY_TOKEN_KEY nor JWT_SECRET is set: registry tokens are signed with a random per-boot key (clients log in again after a restart; replicas cannot share tokens)');
    }
    this.logger.log(
      `token authentication on: realm ${auth.publicUrl ? `${auth.publicUrl}/v2/token` : '<request host>/v2/token (set REGISTRY_PUBLIC_URL)'}, service "${auth.service}", ${this.tokens.algorithm} key from ${source}`,
    );
  }
}

/** Registry access control: token service, credentials, brute-force limiter, audit, token endpoint. */
export function accessProviders(config: RefityConfig): Provider[] {
  return [
    { provide: UserStore, inject: [MetadataStore], useFactory: (metadata: MetadataStore) => new UserStore(metadata) },
    { provide: AccessStore, inject: [MetadataStore], useFactory: (metadata: MetadataStore) => new AccessStore(metadata) },
    {
      provide: AuditStore,
      inject: [MetadataStore],
      useFactory: (metadata: MetadataStore) => {
        const logger = new Logger('Audit');
        return new AuditStore(metadata, { onError: (error, lost) => logger.error(`${lost} audit entries could not be written: ${(error as Error).message}`) });
      },
    },
    { provide: RegistryCredentials, inject: [UserStore, AccessStore], useFactory: (users: UserStore, access: AccessStore) => new RegistryCredentials(users, access) },
    {
      provide: RegistryTokenService,
      useFactory: () =>
        new RegistryTokenService(registryTokenKeys(config), {
          service: config.registryAuth.service,
          tokenTtlSeconds: config.registryAuth.tokenTtlSeconds,
          refreshTokenTtlSeconds: config.registryAuth.refreshTokenTtlSeconds,
        }),
    },
    { provide: LoginLimiter, useFactory: () => new LoginLimiter(config.loginLimits) },
    RegistryAudit,
    RegistryAccess,
    TokenEndpoint,
    RegistryAuthBootstrap,
  ];
}
