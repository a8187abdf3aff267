import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, OnInit, signal, viewChild } from '@angular/core';
import { FormBuilder, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { GrantTargetDto, RobotDto, RobotSecretDto, RobotsService } from '@refity/api-client';
import { Observable } from 'rxjs';
import { errorMessage } from '../../core/errors';
import { ConfirmData } from '../../shared/confirm-dialog';
import { CopyButton } from '../../shared/copy-button';
import { timeAgo } from '../../shared/format';
import { endOfDayUtc, GRANT_ACTIONS, GRANT_SCOPES, GrantAction, grantLabel, GrantScope } from '../../shared/grants';
import { loadList, PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

/** Robot accounts (admins only): create (the secret is shown once), revoke, delete. */
@Component({
  selector: 'rf-robots',
  imports: [ReactiveFormsModule, DatePipe, MatTableModule, MatButtonModule, MatIconModule, MatFormFieldModule, MatInputModule, MatSelectModule, PageState, CopyButton],
  templateUrl: './robots.html',
  styleUrl: './robots.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RobotsPage implements OnInit {
  private readonly api = inject(RobotsService);
  private readonly changes = inject(PageChanges);
  protected readonly robots = signal<RobotDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  /** The answer of the last create: the only time the secret is ever known to the console. */
  protected readonly created = signal<RobotSecretDto | null>(null);
  protected readonly ago = timeAgo;
  protected readonly grantLabel = grantLabel;
  protected readonly actions = GRANT_ACTIONS;
  protected readonly scopes = GRANT_SCOPES;
  protected readonly columns = ['name', 'grants', 'expires', 'lastUsed', 'status', 'actions'];
  protected readonly form = inject(FormBuilder).nonNullable.group({
    name: ['', [Validators.required, Validators.pattern(/^[a-z0-9][a-z0-9._-]{0,63}$/)]],
    scope: ['repository' as GrantScope],
    pattern: [''],
    action: ['pull' as GrantAction],
    expires: [''],
  });

  private readonly formDir = viewChild(FormGroupDirective);

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    loadList({ items: this.robots, loading: this.loading, error: this.error }, this.api.listRobots(), 'The robot accounts could not be loaded', (a, b) => a.name.localeCompare(b.name));
  }

  create(): void {
    if (this.form.invalid || this.creating()) {
      this.form.markAllAsTouched();
      return;
    }
    const v = this.form.getRawValue();
    const pattern = v.pattern.trim();
    const permissions: GrantTargetDto[] = pattern ? [{ scope: v.scope, pattern, action: v.action }] : [];
    const expiresAt = endOfDayUtc(v.expires);
    this.creating.set(true);
    this.createError.set(null);
    this.created.set(null);
    this.api.createRobot({ body: { name: v.name, permissions, ...(expiresAt ? { expiresAt } : {}) } }).subscribe({
      next: (res) => {
        this.creating.set(false);
        this.created.set(res);
        this.formDir()?.resetForm({ name: '', scope: 'repository', pattern: '', action: 'pull', expires: '' });
        this.load();
      },
      error: (e: unknown) => {
        this.creating.set(false);
        this.createError.set(errorMessage(e, 'The robot account could not be created'));
      },
    });
  }

  /** Forget the secret: it cannot be shown again. */
  dismissSecret(): void {
    this.created.set(null);
  }

  revoke(r: RobotDto): void {
    this.confirmed(
      { title: `Revoke robot ${r.name}?`, message: 'It will no longer be able to log in; its registry tokens stop working within seconds.', confirm: 'Revoke' },
      () => this.api.updateRobot({ id: r.id, body: { disabled: true } }),
      `Robot ${r.name} revoked`,
    );
  }

  enable(r: RobotDto): void {
    this.apply(this.api.updateRobot({ id: r.id, body: { disabled: false } }), `Robot ${r.name} enabled`);
  }

  remove(r: RobotDto): void {
    this.confirmed(
      { title: `Delete robot ${r.name}?`, message: 'The account and its grants are deleted. This cannot be undone.', confirm: 'Delete robot' },
      () => this.api.deleteRobot({ id: r.id }),
      `Robot ${r.name} deleted`,
    );
  }

  expired(r: RobotDto): boolean {
    return !!r.expiresAt && new Date(r.expiresAt).getTime() < Date.now();
  }

  private confirmed(question: ConfirmData, call: () => Observable<unknown>, done: string): void {
    this.changes.afterConfirming(question, call, { done, refused: 'The change was refused' }, () => this.load());
  }

  private apply(call: Observable<unknown>, done: string): void {
    this.changes.apply(call, { done, refused: 'The change was refused' }, () => this.load());
  }
}
