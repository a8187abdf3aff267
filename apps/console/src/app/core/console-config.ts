import { inject, Injectable, signal } from '@angular/core';
import { ConfigService } from '@refity/api-client';

/**
 * Runtime settings from the admin API (GET /api/config), never baked into the build: the same
 * bundle works behind any host name. REGISTRY_URL is the host shown in `docker pull` commands.
 */
@Injectable({ providedIn: 'root' })
export class ConsoleConfig {
  private readonly api = inject(ConfigService);
  private loading = false;
  /** host[:port] of the registry as users pull from it; until loaded, this page's host on port 5000. */
  readonly registryUrl = signal(defaultRegistry());
  readonly loaded = signal(false);
  readonly hetznerUsageEnabled = signal(false);

  load(): void {
    if (this.loading || this.loaded()) return;
    this.loading = true;
    this.api.getConfig().subscribe({
      next: (c) => {
        if (c.registryUrl) this.registryUrl.set(c.registryUrl);
        this.hetznerUsageEnabled.set(!!c.hetznerUsageEnabled);
        this.loaded.set(true);
        this.loading = false;
      },
      error: () => {
        this.loading = false;
      },
    });
  }
}

function defaultRegistry(): string {
  return typeof window !== 'undefined' && window.location?.hostname ? `${window.location.hostname}:5000` : 'localhost:5000';
}
