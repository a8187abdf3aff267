import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, OnInit, signal, viewChild } from '@angular/core';
import { FormBuilder, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatTableModule } from '@angular/material/table';
import { CreatedPersonalTokenDto, PersonalTokenDto, PersonalTokensService } from '@refity/api-client';
import { errorMessage } from '../../core/errors';
import { CopyButton } from '../../shared/copy-button';
import { timeAgo } from '../../shared/format';
import { endOfDayUtc } from '../../shared/grants';
import { loadList, PageChanges } from '../../shared/page-changes';
import { PageState } from '../../shared/page-state';

/** Your personal access tokens (Profile page): registry passwords that are not your account password. */
@Component({
  selector: 'rf-personal-tokens',
  imports: [ReactiveFormsModule, DatePipe, MatCardModule, MatTableModule, MatButtonModule, MatIconModule, MatFormFieldModule, MatInputModule, PageState, CopyButton],
  templateUrl: './personal-tokens.html',
  styleUrl: './personal-tokens.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PersonalTokens implements OnInit {
  private readonly api = inject(PersonalTokensService);
  private readonly changes = inject(PageChanges);
  protected readonly tokens = signal<PersonalTokenDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  /** The answer of the last create: the only time the secret is ever known to the console. */
  protected readonly created = signal<CreatedPersonalTokenDto | null>(null);
  protected readonly ago = timeAgo;
  protected readonly columns = ['name', 'expires', 'lastUsed', 'status', 'actions'];
  protected readonly form = inject(FormBuilder).nonNullable.group({
    name: ['', [Validators.required, Validators.maxLength(100)]],
    expires: [''],
  });

  private readonly formDir = viewChild(FormGroupDirective);

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    loadList({ items: this.tokens, loading: this.loading, error: this.error }, this.api.listPersonalTokens(), 'Your access tokens could not be loaded', (a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  create(): void {
    if (this.form.invalid || this.creating()) {
      this.form.markAllAsTouched();
      return;
    }
    const v = this.form.getRawValue();
    const expiresAt = endOfDayUtc(v.expires);
    this.creating.set(true);
    this.createError.set(null);
    this.created.set(null);
    this.api.createPersonalToken({ body: { name: v.name.trim(), ...(expiresAt ? { expiresAt } : {}) } }).subscribe({
      next: (res) => {
        this.creating.set(false);
        this.created.set(res);
        this.formDir()?.resetForm({ name: '', expires: '' });
        this.load();
      },
      error: (e: unknown) => {
        this.creating.set(false);
        this.createError.set(errorMessage(e, 'The token could not be created'));
      },
    });
  }

  dismissSecret(): void {
    this.created.set(null);
  }

  revoke(t: PersonalTokenDto): void {
    this.changes.afterConfirming(
      { title: `Revoke token ${t.name}?`, message: 'Logins with it fail at once; registry tokens obtained with it stop working within seconds.', confirm: 'Revoke token' },
      () => this.api.revokePersonalToken({ id: t.id }),
      { done: `Token ${t.name} revoked`, refused: 'The token could not be revoked' },
      () => this.load(),
    );
  }

  status(t: PersonalTokenDto): string {
    if (t.revokedAt) return 'revoked';
    return t.active ? 'active' : 'expired';
  }
}
