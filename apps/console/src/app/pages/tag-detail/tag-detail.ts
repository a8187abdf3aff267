import { ChangeDetectionStrategy, Component, computed, DestroyRef, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { MatTabsModule } from '@angular/material/tabs';
import { Router, RouterLink } from '@angular/router';
import { ManifestDetailDto, TagDetailDto, TagsService } from '@refity/api-client';
import { Subscription } from 'rxjs';
import { AuthSession } from '../../core/auth-session';
import { ConsoleConfig } from '../../core/console-config';
import { errorMessage } from '../../core/errors';
import { CopyButton } from '../../shared/copy-button';
import { formatBytes, platformLabel, pullCommand, shortDigest, timeAgo } from '../../shared/format';
import { PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

/** One tag: its platforms (an index) or image, layers, config, build history and referrers. */
@Component({
  selector: 'rf-tag-detail',
  imports: [
    MatCardModule,
    MatTableModule,
    MatTabsModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatIconModule,
    MatProgressBarModule,
    RouterLink,
    PageState,
    CopyButton,
  ],
  templateUrl: './tag-detail.html',
  styleUrl: './tag-detail.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TagDetailPage {
  /** Creating and deleting are admin-only in the admin API: the buttons are shown to admins only. */
  protected readonly session = inject(AuthSession);
  readonly group = input.required<string>();
  readonly repository = input.required<string>();
  readonly tag = input.required<string>();
  private readonly api = inject(TagsService);
  private readonly changes = inject(PageChanges);
  private readonly router = inject(Router);
  protected readonly config = inject(ConsoleConfig);
  protected readonly fullName = computed(() => `${this.group()}/${this.repository()}`);
  protected readonly detail = signal<TagDetailDto | null>(null);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  /** The manifest shown below the platform switcher (the image, or one platform of an index). */
  protected readonly selectedDigest = signal<string | null>(null);
  protected readonly image = signal<ManifestDetailDto | null>(null);
  protected readonly imageLoading = signal(false);
  protected readonly imageError = signal<string | null>(null);
  protected readonly fmt = formatBytes;
  protected readonly ago = timeAgo;
  protected readonly short = shortDigest;
  protected readonly platform = platformLabel;
  protected readonly pull = computed(() => pullCommand(this.config.registryUrl(), this.fullName(), this.tag()));
  protected readonly layerColumns = ['index', 'digest', 'mediaType', 'size'];
  protected readonly layersTotal = computed(() => (this.image()?.layers ?? []).reduce((s, l) => s + l.size, 0));
  protected readonly labels = computed(() => Object.entries(this.image()?.config?.labels ?? {}));
  private subs: Subscription[] = [];

  constructor() {
    inject(DestroyRef).onDestroy(() => this.subs.forEach((s) => s.unsubscribe()));
    effect(() => {
      this.fullName();
      this.tag();
      untracked(() => this.load());
    });
  }

  /** Entrypoint/cmd as one line, or a dash when unset. */
  joinArgs(args: string[] | null | undefined): string {
    return args?.length ? args.join(' ') : '–';
  }

  load(): void {
    this.loading.set(true);
    this.error.set(null);
    this.subs.forEach((s) => s.unsubscribe());
    this.subs = [
      this.api.getTag({ group: this.group(), repository: this.repository(), tag: this.tag() }).subscribe({
        next: (d) => {
          this.detail.set(d);
          this.image.set(d.image ?? null);
          this.selectedDigest.set(d.image?.digest ?? d.platforms[0]?.digest ?? d.digest);
          this.imageError.set(null);
          this.loading.set(false);
        },
        error: (e: unknown) => {
          this.error.set(errorMessage(e, 'The tag could not be loaded'));
          this.loading.set(false);
        },
      }),
    ];
  }

  /** Platform switcher: shows one child manifest of the index. */
  selectPlatform(digest: string): void {
    if (digest === this.selectedDigest()) return;
    this.selectedDigest.set(digest);
    this.imageLoading.set(true);
    this.imageError.set(null);
    this.subs.push(
      this.api.getManifest({ group: this.group(), repository: this.repository(), digest }).subscribe({
        next: (m) => {
          if (this.selectedDigest() !== digest) return;
          this.image.set(m);
          this.imageLoading.set(false);
        },
        error: (e: unknown) => {
          this.imageError.set(errorMessage(e, 'This platform could not be loaded'));
          this.imageLoading.set(false);
        },
      }),
    );
  }

  remove(): void {
    this.changes.afterConfirming(
      {
        title: `Delete tag ${this.tag()}?`,
        message: `${this.fullName()}:${this.tag()} will no longer be listed nor pullable. The image stays if other tags point to it.`,
        confirm: 'Delete tag',
      },
      () => this.api.deleteTag({ group: this.group(), repository: this.repository(), tag: this.tag() }),
      { done: `Tag ${this.tag()} deleted`, refused: 'The tag could not be deleted' },
      () => void this.router.navigate(['/groups', this.group(), this.repository()]),
    );
  }
}
