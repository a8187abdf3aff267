import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

/**
 * Announces that groups, repositories or tags changed through this API, so cached views
 * (the dashboard) are dropped at once instead of waiting for their expiry.
 */
@Injectable()
export class CatalogEvents {
  readonly changed = new Subject<void>();

  announceChange(): void {
    this.changed.next();
  }
}
