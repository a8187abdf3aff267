import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';

/**
 * Loading / error / empty states shared by every page. Content projected into it is the empty
 * state's "what to do next" text.
 *   <rf-page-state [loading]="..." [error]="..." (retry)="reload()" />
 *   <rf-page-state empty title="No groups yet">Create a group, then <code>docker push …</code></rf-page-state>
 */
@Component({
  selector: 'rf-page-state',
  imports: [MatButtonModule, MatIconModule, MatProgressSpinnerModule],
  template: `
    @if (loading()) {
      <div class="state" role="status" aria-live="polite">
        <mat-progress-spinner mode="indeterminate" diameter="32" aria-label="Loading" />
        <span>{{ loadingText() }}</span>
      </div>
    } @else if (error()) {
      <div class="state error" role="alert">
        <mat-icon svgIcon="error" aria-hidden="true" />
        <span>{{ error() }}</span>
        <button mat-stroked-button type="button" (click)="retry.emit()">Try again</button>
      </div>
    } @else if (empty()) {
      <div class="state empty" role="status">
        <strong>{{ title() }}</strong>
        <div class="hint"><ng-content /></div>
      </div>
    }
  `,
  styles: `
    .state {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 12px;
      padding: 24px 16px;
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      color: var(--mat-sys-error);
    }
    .empty {
      flex-direction: column;
      align-items: flex-start;
      border: 1px dashed var(--mat-sys-outline-variant);
      border-radius: 12px;
    }
    .hint {
      line-height: 1.6;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PageState {
  readonly loading = input(false);
  readonly loadingText = input('Loading…');
  readonly error = input<string | null>(null);
  readonly empty = input(false, { transform: (v: boolean | string) => v === '' || v === true });
  readonly title = input('Nothing here yet');
  readonly retry = output<void>();
}
