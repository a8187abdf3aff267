import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, input, OnInit, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatSortModule, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { RepositoriesService, RepositoryDto } from '@refity/api-client';
import { catchError, combineLatest, debounceTime, distinctUntilChanged, EMPTY, startWith, Subject, switchMap, tap } from 'rxjs';
import { AuthSession } from '../../core/auth-session';
import { ConsoleConfig } from '../../core/console-config';
import { errorMessage } from '../../core/errors';
import { formatBytes, pushCommand, timeAgo } from '../../shared/format';
import { PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

type SortKey = 'name' | 'size' | 'tags' | 'updated';
const COLUMN_TO_SORT: Record<string, SortKey> = { name: 'name', size: 'size', tags: 'tags', updated: 'updated' };

/** The repositories of one group: server-side search, sort and pagination. */
@Component({
  selector: 'rf-repositories',
  imports: [ReactiveFormsModule, MatTableModule, MatSortModule, MatPaginatorModule, MatFormFieldModule, MatInputModule, MatButtonModule, MatIconModule, RouterLink, PageState],
  templateUrl: './repositories.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RepositoriesPage implements OnInit {
  /** Creating and deleting are admin-only in the admin API: the buttons are shown to admins only. */
  protected readonly session = inject(AuthSession);
  readonly group = input.required<string>();
  private readonly api = inject(RepositoriesService);
  private readonly changes = inject(PageChanges);
  private readonly destroyRef = inject(DestroyRef);
  private readonly config = inject(ConsoleConfig);
  protected readonly search = new FormControl('', { nonNullable: true });
  protected readonly sort = signal<{ key: SortKey; order: 'asc' | 'desc' }>({ key: 'name', order: 'asc' });
  protected readonly page = signal({ index: 0, size: 25 });
  protected readonly items = signal<RepositoryDto[]>([]);
  protected readonly total = signal(0);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly fmt = formatBytes;
  protected readonly ago = timeAgo;
  protected readonly columns = ['name', 'tags', 'size', 'updated', 'actions'];
  protected readonly pushExample = computed(() => pushCommand(this.config.registryUrl(), `${this.group()}/app`, '1.0.0'));
  private readonly reload$ = new Subject<void>();
  private readonly query = computed(() => ({ group: this.group(), sort: this.sort(), page: this.page() }));
  private readonly query$ = toObservable(this.query);

  ngOnInit(): void {
    // The first load is immediate; typing is debounced; a new search starts again at page 1.
    const search$ = this.search.valueChanges.pipe(
      debounceTime(250),
      startWith(this.search.value),
      distinctUntilChanged(),
      tap(() => {
        if (this.page().index !== 0) this.page.update((p) => ({ ...p, index: 0 }));
      }),
    );
    combineLatest([this.query$, search$, this.reload$.pipe(startWith(undefined))])
      .pipe(
        tap(() => {
          this.loading.set(true);
          this.error.set(null);
        }),
        switchMap(([q, search]) =>
          this.api
            .listRepositories({
              group: q.group,
              search: search.trim() || undefined,
              sort: q.sort.key,
              order: q.sort.order,
              page: q.page.index + 1,
              pageSize: q.page.size,
            })
            .pipe(
              catchError((e: unknown) => {
                this.error.set(errorMessage(e, 'The repositories could not be loaded'));
                this.loading.set(false);
                return EMPTY;
              }),
            ),
        ),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((res) => {
        this.items.set(res.items);
        this.total.set(res.total);
        this.loading.set(false);
      });
  }

  reload(): void {
    this.reload$.next();
  }

  onSort(s: Sort): void {
    const key = COLUMN_TO_SORT[s.active] ?? 'name';
    this.sort.set({ key, order: s.direction === 'desc' ? 'desc' : 'asc' });
  }

  onPage(e: PageEvent): void {
    this.page.set({ index: e.pageIndex, size: e.pageSize });
  }

  /** The part of the full name after the group (`myteam/tools/app` → `tools/app`). */
  repoPath(r: RepositoryDto): string {
    return r.repository ?? r.name.slice(this.group().length + 1);
  }

  remove(r: RepositoryDto): void {
    this.changes.afterConfirming(
      {
        title: `Delete repository ${r.name}?`,
        message: `This deletes its ${r.tagCount} tag${r.tagCount === 1 ? '' : 's'} and ${formatBytes(r.totalSize)} of images, on storage too. This cannot be undone.`,
        confirm: 'Delete repository',
      },
      () => this.api.deleteRepository({ group: this.group(), repository: this.repoPath(r) }),
      { done: `Repository ${r.name} deleted`, refused: 'The repository could not be deleted' },
      () => this.reload(),
    );
  }
}
