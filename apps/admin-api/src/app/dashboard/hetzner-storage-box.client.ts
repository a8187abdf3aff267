/** Disk usage of a Hetzner Storage Box, from `GET {HETZNER_API_URL}/storage_boxes/{id}`. */
export interface StorageBoxUsage {
  name: string | null;
  /** Bytes used in total (data + snapshots): `stats.size`. */
  usedBytes: number;
  /** `stats.size_data`. */
  dataBytes: number;
  /** `stats.size_snapshots`. */
  snapshotBytes: number;
  /** Capacity of the plan: `storage_box_type.size`. */
  totalBytes: number;
}

const TIMEOUT_MS = 5_000;

function bytes(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`Hetzner API answer has no numeric ${field}`);
  return value;
}

/**
 * A minimal client of the Hetzner API's Storage Box endpoint (the api.hetzner.com one, bearer
 * token). The base URL is configurable so tests run it against a local fake server.
 */
export class HetznerStorageBoxClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly boxId: number,
  ) {}

  async usage(): Promise<StorageBoxUsage> {
    const response = await fetch(`${this.apiUrl}/storage_boxes/${this.boxId}`, {
      headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => null)) as {
      storage_box?: { name?: unknown; stats?: Record<string, unknown>; storage_box_type?: Record<string, unknown> };
      error?: { message?: unknown };
    } | null;
    if (!response.ok) {
      const message = typeof body?.error?.message === 'string' ? body.error.message : response.statusText;
      throw new Error(`Hetzner API answered ${response.status}: ${message}`);
    }
    const box = body?.storage_box;
    return {
      name: typeof box?.name === 'string' ? box.name : null,
      usedBytes: bytes(box?.stats?.['size'], 'stats.size'),
      dataBytes: bytes(box?.stats?.['size_data'], 'stats.size_data'),
      snapshotBytes: bytes(box?.stats?.['size_snapshots'] ?? 0, 'stats.size_snapshots'),
      totalBytes: bytes(box?.storage_box_type?.['size'], 'storage_box_type.size'),
    };
  }
}
