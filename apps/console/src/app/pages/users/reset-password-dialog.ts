import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MIN_PASSWORD_LENGTH } from '../password/password';

/** Asks an admin for a user's new password; closes with it (or nothing when cancelled). */
@Component({
  selector: 'rf-reset-password-dialog',
  imports: [ReactiveFormsModule, MatDialogModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    <form [formGroup]="form" (ngSubmit)="save()">
      <h2 mat-dialog-title>Reset the password of {{ data.username }}</h2>
      <mat-dialog-content>
        <mat-form-field appearance="outline" class="full">
          <mat-label>New password</mat-label>
          <input matInput type="password" formControlName="password" name="newPassword" autocomplete="new-password" required />
          <mat-error>At least {{ min }} characters</mat-error>
        </mat-form-field>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>Cancel</button>
        <button mat-flat-button type="submit">Reset password</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: '.full { width: 100%; margin-top: 8px; }',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ResetPasswordDialog {
  protected readonly data = inject<{ username: string }>(MAT_DIALOG_DATA);
  private readonly ref = inject(MatDialogRef<ResetPasswordDialog, string>);
  protected readonly min = MIN_PASSWORD_LENGTH;
  protected readonly password = new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.minLength(MIN_PASSWORD_LENGTH)] });

  protected readonly form = new FormGroup({ password: this.password });

  save(): void {
    if (this.password.invalid) {
      this.password.markAsTouched();
      return;
    }
    this.ref.close(this.password.value);
  }
}
