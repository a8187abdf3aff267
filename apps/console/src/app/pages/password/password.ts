import { ChangeDetectionStrategy, Component, computed, inject, signal, viewChild } from '@angular/core';
import { AbstractControl, FormBuilder, FormGroupDirective, ReactiveFormsModule, ValidationErrors, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar, MatSnackBarModule } from '@angular/material/snack-bar';
import { Router } from '@angular/router';
import { AuthSession } from '../../core/auth-session';
import { errorMessage } from '../../core/errors';
import { PersonalTokens } from '../profile/personal-tokens';

/** The admin API's rule (libs/auth password policy): at least 10 characters, not common, not containing the username. */
export const MIN_PASSWORD_LENGTH = 10;

function sameAsNew(group: AbstractControl): ValidationErrors | null {
  const n = group.get('newPassword')?.value;
  const c = group.get('confirm')?.value;
  return n && c && n !== c ? { mismatch: true } : null;
}

/**
 * Change password. Two uses: the forced first-login change (route /password, outside the shell,
 * for a user flagged mustChangePassword) and the Profile page inside the shell, which also lists
 * your personal access tokens.
 */
@Component({
  selector: 'rf-password',
  imports: [ReactiveFormsModule, MatCardModule, MatFormFieldModule, MatInputModule, MatButtonModule, MatProgressBarModule, MatSnackBarModule, PersonalTokens],
  templateUrl: './password.html',
  styleUrl: './password.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PasswordPage {
  protected readonly session = inject(AuthSession);
  private readonly router = inject(Router);
  private readonly snack = inject(MatSnackBar);
  /** Forced mode: the session still carries mustChangePassword when the page opens. */
  protected readonly forced = signal(this.session.mustChangePassword());
  protected readonly title = computed(() => (this.forced() ? 'Choose a new password' : 'Profile'));
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly minLength = MIN_PASSWORD_LENGTH;
  protected readonly form = inject(FormBuilder).nonNullable.group(
    {
      currentPassword: ['', Validators.required],
      newPassword: ['', [Validators.required, Validators.minLength(MIN_PASSWORD_LENGTH)]],
      confirm: ['', Validators.required],
    },
    { validators: sameAsNew },
  );

  private readonly formDir = viewChild(FormGroupDirective);

  submit(): void {
    if (this.form.invalid || this.busy()) {
      this.form.markAllAsTouched();
      return;
    }
    const { currentPassword, newPassword } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    this.session.changePassword(currentPassword, newPassword).subscribe({
      next: () => {
        this.busy.set(false);
        this.formDir()?.resetForm();
        this.snack.open('Password changed', 'OK', { duration: 4000 });
        if (this.forced()) {
          this.forced.set(false);
          void this.router.navigate(['/dashboard']);
        }
      },
      error: (e: unknown) => {
        this.busy.set(false);
        this.error.set(errorMessage(e, 'The password could not be changed'));
      },
    });
  }

  logout(): void {
    this.session.logout();
  }
}
