import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { Clipboard } from '@angular/cdk/clipboard';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatTooltipModule } from '@angular/material/tooltip';

/** An icon button copying `text` to the clipboard; says "Copied" for two seconds. */
@Component({
  selector: 'rf-copy-button',
  imports: [MatButtonModule, MatIconModule, MatTooltipModule],
  template: `
    <button
      mat-icon-button
      type="button"
      [attr.aria-label]="copied() ? 'Copied' : label()"
      [matTooltip]="copied() ? 'Copied' : label()"
      [attr.data-copy-text]="text()"
      (click)="copy()"
    >
      <mat-icon [svgIcon]="copied() ? 'check' : 'copy'" />
    </button>
    <span class="visually-hidden" aria-live="polite">{{ copied() ? 'Copied to the clipboard' : '' }}</span>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CopyButton {
  readonly text = input.required<string>();
  readonly label = input('Copy to the clipboard');
  protected readonly copied = signal(false);
  private readonly clipboard = inject(Clipboard);
  private timer: ReturnType<typeof setTimeout> | undefined;

  copy(): void {
    if (this.clipboard.copy(this.text())) {
      this.copied.set(true);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.copied.set(false), 2000);
    }
  }
}
