import { ChangeDetectionStrategy, Component, inject, OnInit, signal, viewChild } from '@angular/core';
import { FormBuilder, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatTableModule } from '@angular/material/table';
import { UserDto, UsersService } from '@refity/api-client';
import { filter, Observable } from 'rxjs';
import { AuthSession } from '../../core/auth-session';
import { errorMessage } from '../../core/errors';
import { timeAgo } from '../../shared/format';
import { loadList, PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';
import { MIN_PASSWORD_LENGTH } from '../password/password';
import { ResetPasswordDialog } from './reset-password-dialog';

type Role = UserDto['role'];

/** Users (admins only): create, change role, disable, reset password, delete. */
@Component({
  selector: 'rf-users',
  imports: [
    ReactiveFormsModule,
    MatTableModule,
    MatButtonModule,
    MatIconModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatSlideToggleModule,
    PageState,
  ],
  templateUrl: './users.html',
  styleUrl: './users.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsersPage implements OnInit {
  private readonly api = inject(UsersService);
  private readonly dialog = inject(MatDialog);
  private readonly changes = inject(PageChanges);
  protected readonly session = inject(AuthSession);
  protected readonly users = signal<UserDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  protected readonly ago = timeAgo;
  protected readonly minLength = MIN_PASSWORD_LENGTH;
  protected readonly roles: Role[] = ['user', 'admin'];
  protected readonly columns = ['username', 'role', 'enabled', 'created', 'actions'];
  protected readonly form = inject(FormBuilder).nonNullable.group({
    username: ['', [Validators.required, Validators.pattern(/^[a-z0-9][a-z0-9._-]{1,63}$/)]],
    password: ['', [Validators.required, Validators.minLength(MIN_PASSWORD_LENGTH)]],
    role: ['user' as Role, Validators.required],
  });

  /** resetForm() (not just reset()) clears the submitted state, so no red errors after a success. */
  private readonly formDir = viewChild(FormGroupDirective);

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    loadList({ items: this.users, loading: this.loading, error: this.error }, this.api.listUsers(), 'The users could not be loaded', (a, b) => a.username.localeCompare(b.username));
  }

  create(): void {
    if (this.form.invalid || this.creating()) {
      this.form.markAllAsTouched();
      return;
    }
    const body = this.form.getRawValue();
    this.creating.set(true);
    this.createError.set(null);
    this.api.createUser({ body }).subscribe({
      next: () => {
        this.creating.set(false);
        this.formDir()?.resetForm({ username: '', password: '', role: 'user' });
        this.changes.done(`User ${body.username} created`);
        this.load();
      },
      error: (e: unknown) => {
        this.creating.set(false);
        this.createError.set(errorMessage(e, 'The user could not be created'));
      },
    });
  }

  setRole(u: UserDto, role: Role): void {
    this.apply(this.api.updateUser({ id: u.id, body: { role } }), `${u.username} is now ${role === 'admin' ? 'an admin' : 'a user'}`);
  }

  setEnabled(u: UserDto, enabled: boolean): void {
    this.apply(this.api.updateUser({ id: u.id, body: { disabled: !enabled } }), `${u.username} ${enabled ? 'enabled' : 'disabled'}`);
  }

  resetPassword(u: UserDto): void {
    this.dialog
      .open<ResetPasswordDialog, { username: string }, string>(ResetPasswordDialog, { data: { username: u.username }, width: '420px' })
      .afterClosed()
      .pipe(filter((p): p is string => !!p))
      .subscribe((password) => this.apply(this.api.resetPassword({ id: u.id, body: { password } }), `Password of ${u.username} reset`));
  }

  remove(u: UserDto): void {
    this.changes.afterConfirming(
      { title: `Delete user ${u.username}?`, message: 'They will no longer be able to log in. This cannot be undone.', confirm: 'Delete user' },
      () => this.api.deleteUser({ id: u.id }),
      { done: `User ${u.username} deleted`, refused: 'The user could not be deleted' },
      () => this.load(),
    );
  }

  private apply(call: Observable<unknown>, done: string): void {
    this.changes.apply(call, { done, refused: 'The change was refused' }, () => this.load());
  }
}
