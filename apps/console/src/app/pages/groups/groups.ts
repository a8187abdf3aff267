import { ChangeDetectionStrategy, Component, computed, inject, OnInit, signal, viewChild } from '@angular/core';
import { FormControl, FormGroup, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { GroupDto, GroupsService } from '@refity/api-client';
import { AuthSession } from '../../core/auth-session';
import { ConsoleConfig } from '../../core/console-config';
import { errorMessage } from '../../core/errors';
import { formatBytes, pushCommand } from '../../shared/format';
import { loadList, PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

/** The registry's group grammar (first path component of a repository name). */
export const GROUP_NAME_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

@Component({
  selector: 'rf-groups',
  imports: [ReactiveFormsModule, MatTableModule, MatButtonModule, MatIconModule, MatFormFieldModule, MatInputModule, RouterLink, PageState],
  templateUrl: './groups.html',
  styleUrl: './groups.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupsPage implements OnInit {
  /** Creating and deleting are admin-only in the admin API: the buttons are shown to admins only. */
  protected readonly session = inject(AuthSession);
  private readonly api = inject(GroupsService);
  private readonly changes = inject(PageChanges);
  private readonly config = inject(ConsoleConfig);
  protected readonly groups = signal<GroupDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  protected readonly fmt = formatBytes;
  protected readonly columns = ['name', 'repositories', 'size', 'actions'];
  protected readonly name = new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.pattern(GROUP_NAME_PATTERN)] });
  protected readonly form = new FormGroup({ name: this.name });
  protected readonly pushExample = computed(() => pushCommand(this.config.registryUrl(), '<group>/app', '1.0.0'));

  private readonly formDir = viewChild(FormGroupDirective);

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    loadList({ items: this.groups, loading: this.loading, error: this.error }, this.api.listGroups(), 'The groups could not be loaded', (a, b) => a.name.localeCompare(b.name));
  }

  create(): void {
    const name = this.name.value.trim();
    if (this.name.invalid || this.creating()) {
      this.name.markAsTouched();
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    this.api.createGroup({ body: { name } }).subscribe({
      next: () => {
        this.creating.set(false);
        this.formDir()?.resetForm({ name: '' });
        this.changes.done(`Group ${name} created`);
        this.load();
      },
      error: (e: unknown) => {
        this.creating.set(false);
        this.createError.set(errorMessage(e, 'The group could not be created'));
      },
    });
  }

  remove(g: GroupDto): void {
    const force = g.repositoryCount > 0;
    this.changes.afterConfirming(
      {
        title: `Delete group ${g.name}?`,
        message: force
          ? `This deletes its ${g.repositoryCount} repositor${g.repositoryCount === 1 ? 'y' : 'ies'} and every image in them (${formatBytes(g.totalSize)}), on storage too. This cannot be undone.`
          : 'The group is empty. This cannot be undone.',
        confirm: 'Delete group',
      },
      () => this.api.deleteGroup({ group: g.name, force }),
      { done: `Group ${g.name} deleted`, refused: 'The group could not be deleted' },
      () => this.load(),
    );
  }
}
