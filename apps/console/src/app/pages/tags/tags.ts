import { ChangeDetectionStrategy, Component, computed, DestroyRef, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatChipsModule } from '@angular/material/chips';
import { MatIconModule } from '@angular/material/icon';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { TagDto, TagsService } from '@refity/api-client';
import { Subscription } from 'rxjs';
import { AuthSession } from '../../core/auth-session';
import { ConsoleConfig } from '../../core/console-config';
import { errorMessage } from '../../core/errors';
import { CopyButton } from '../../shared/copy-button';
import { formatBytes, platformLabel, pullCommand, pushCommand, shortDigest, timeAgo } from '../../shared/format';
import { PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

/** The tags of one repository, newest first, each with its exact `docker pull` command. */
@Component({
  selector: 'rf-tags',
  imports: [MatTableModule, MatButtonModule, MatIconModule, MatChipsModule, RouterLink, PageState, CopyButton],
  templateUrl: './tags.html',
  styleUrl: './tags.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TagsPage {
  /** Creating and deleting are admin-only in the admin API: the buttons are shown to admins only. */
  protected readonly session = inject(AuthSession);
  readonly group = input.required<string>();
  readonly repository = input.required<string>();
  private readonly api = inject(TagsService);
  private readonly changes = inject(PageChanges);
  protected readonly config = inject(ConsoleConfig);
  protected readonly fullName = computed(() => `${this.group()}/${this.repository()}`);
  protected readonly tags = signal<TagDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly fmt = formatBytes;
  protected readonly ago = timeAgo;
  protected readonly short = shortDigest;
  protected readonly platform = platformLabel;
  protected readonly columns = ['tag', 'size', 'platforms', 'pushedAt', 'pull', 'actions'];
  protected readonly pushExample = computed(() => pushCommand(this.config.registryUrl(), this.fullName(), '1.0.0'));
  private sub?: Subscription;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.sub?.unsubscribe());
    effect(() => {
      this.fullName();
      untracked(() => this.load());
    });
  }

  pull(tag: string): string {
    return pullCommand(this.config.registryUrl(), this.fullName(), tag);
  }

  load(): void {
    this.loading.set(true);
    this.error.set(null);
    this.sub?.unsubscribe();
    this.sub = this.api.listTags({ group: this.group(), repository: this.repository() }).subscribe({
      next: (t) => {
        this.tags.set([...t].sort((a, b) => (b.pushedAt ?? '').localeCompare(a.pushedAt ?? '') || a.name.localeCompare(b.name)));
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(errorMessage(e, 'The tags could not be loaded'));
        this.loading.set(false);
      },
    });
  }

  remove(t: TagDto): void {
    this.changes.afterConfirming(
      {
        title: `Delete tag ${t.name}?`,
        message: `${this.fullName()}:${t.name} will no longer be listed nor pullable. The image stays if other tags point to it.`,
        confirm: 'Delete tag',
      },
      () => this.api.deleteTag({ group: this.group(), repository: this.repository(), tag: t.name }),
      { done: `Tag ${t.name} deleted`, refused: 'The tag could not be deleted' },
      () => this.load(),
    );
  }
}
