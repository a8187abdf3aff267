import { ChangeDetectionStrategy, Component, inject, OnInit, signal, viewChild } from '@angular/core';
import { FormBuilder, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { CreateGrantDto, GrantDto, PermissionsService, RobotsService, UsersService } from '@refity/api-client';
import { forkJoin } from 'rxjs';
import { errorMessage } from '../../core/errors';
import { timeAgo } from '../../shared/format';
import { GRANT_ACTIONS, GRANT_SCOPES, GrantAction, GrantScope } from '../../shared/grants';
import { PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

/** A user or a robot a grant can be given to; `key` is `user:<id>` or `robot:<id>`. */
interface Subject {
  key: string;
  label: string;
  type: 'user' | 'robot';
  id: number;
}

/** Registry permissions (admins only): who may pull, push or delete where; add and remove grants. */
@Component({
  selector: 'rf-permissions',
  imports: [ReactiveFormsModule, MatTableModule, MatButtonModule, MatIconModule, MatFormFieldModule, MatInputModule, MatSelectModule, PageState],
  templateUrl: './permissions.html',
  styleUrl: './permissions.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PermissionsPage implements OnInit {
  private readonly api = inject(PermissionsService);
  private readonly usersApi = inject(UsersService);
  private readonly robotsApi = inject(RobotsService);
  private readonly changes = inject(PageChanges);
  protected readonly grants = signal<GrantDto[]>([]);
  protected readonly subjects = signal<Subject[]>([]);
  /** '' = everyone, else a subject key. */
  protected readonly shown = signal('');
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly adding = signal(false);
  protected readonly addError = signal<string | null>(null);
  protected readonly ago = timeAgo;
  protected readonly actions = GRANT_ACTIONS;
  protected readonly scopes = GRANT_SCOPES;
  protected readonly columns = ['subject', 'scope', 'pattern', 'action', 'created', 'actions'];
  protected readonly form = inject(FormBuilder).nonNullable.group({
    subject: ['', Validators.required],
    scope: ['repository' as GrantScope, Validators.required],
    pattern: ['', Validators.required],
    action: ['pull' as GrantAction, Validators.required],
  });

  private readonly formDir = viewChild(FormGroupDirective);

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    this.loading.set(true);
    this.error.set(null);
    forkJoin({ grants: this.api.listPermissions(this.subjectParams(this.shown())), users: this.usersApi.listUsers(), robots: this.robotsApi.listRobots() }).subscribe({
      next: ({ grants, users, robots }) => {
        const subjects: Subject[] = [
          ...[...users].sort((a, b) => a.username.localeCompare(b.username)).map((u) => ({ key: `user:${u.id}`, label: u.username, type: 'user' as const, id: u.id })),
          ...[...robots].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ key: `robot:${r.id}`, label: r.username, type: 'robot' as const, id: r.id })),
        ];
        this.subjects.set(subjects);
        this.grants.set([...grants].sort((a, b) => a.subject.localeCompare(b.subject) || a.pattern.localeCompare(b.pattern)));
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(errorMessage(e, 'The permissions could not be loaded'));
        this.loading.set(false);
      },
    });
  }

  show(key: string): void {
    this.shown.set(key);
    this.load();
  }

  add(): void {
    if (this.form.invalid || this.adding()) {
      this.form.markAllAsTouched();
      return;
    }
    const v = this.form.getRawValue();
    const body: CreateGrantDto = { scope: v.scope, pattern: v.pattern.trim(), action: v.action, ...this.subjectParams(v.subject) };
    this.adding.set(true);
    this.addError.set(null);
    this.api.setPermission({ body }).subscribe({
      next: (g) => {
        this.adding.set(false);
        this.formDir()?.resetForm({ subject: v.subject, scope: v.scope, pattern: '', action: 'pull' });
        this.changes.done(`${g.subject} may now ${g.action} on ${g.pattern}`);
        this.load();
      },
      error: (e: unknown) => {
        this.adding.set(false);
        this.addError.set(errorMessage(e, 'The grant could not be added'));
      },
    });
  }

  remove(g: GrantDto): void {
    this.changes.afterConfirming(
      { title: `Remove this grant of ${g.subject}?`, message: `${g.subject} will no longer ${g.action} on ${g.scope} ${g.pattern} (unless another grant allows it).`, confirm: 'Remove grant' },
      () => this.api.deletePermission({ id: g.id }),
      { done: `Grant of ${g.subject} removed`, refused: 'The grant could not be removed' },
      () => this.load(),
    );
  }

  private subjectParams(key: string): { userId?: number; robotId?: number } {
    const [type, id] = key.split(':');
    if (!id) return {};
    return type === 'robot' ? { robotId: Number(id) } : { userId: Number(id) };
  }
}
