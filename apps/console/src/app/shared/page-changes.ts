import { inject, Injectable, WritableSignal } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { filter, Observable, switchMap } from 'rxjs';
import { errorMessage } from '../core/errors';
import { ConfirmData, confirmAction } from './confirm-dialog';

/** What a change says: `done` once made; `refused` when the API refuses it without a reason of its own. */
export interface ChangeMessages {
  done: string;
  refused: string;
}

/**
 * What the console's pages do around a change: ask first when it destroys something, call the
 * API, tell the user how it went, and load the page again.
 */
@Injectable({ providedIn: 'root' })
export class PageChanges {
  private readonly dialog = inject(MatDialog);
  private readonly snack = inject(MatSnackBar);

  /** A short confirmation that something worked. */
  done(message: string): void {
    this.snack.open(message, 'OK', { duration: 4000 });
  }

  /** Makes the change once the user confirmed `question`; `then` (reload, or leave the page) once it was made. */
  afterConfirming(question: ConfirmData, call: () => Observable<unknown>, messages: ChangeMessages, then: () => void): void {
    confirmAction(this.dialog, question)
      .pipe(
        filter((ok) => ok === true),
        switchMap(() => call()),
      )
      .subscribe({
        next: () => {
          this.done(messages.done);
          then();
        },
        error: (e: unknown) => this.refused(e, messages.refused),
      });
  }

  /** Makes the change at once; reloads either way, so a refused toggle shows the real state again. */
  apply(call: Observable<unknown>, messages: ChangeMessages, reload: () => void): void {
    call.subscribe({
      next: () => {
        this.done(messages.done);
        reload();
      },
      error: (e: unknown) => {
        this.refused(e, messages.refused);
        reload();
      },
    });
  }

  private refused(error: unknown, fallback: string): void {
    this.snack.open(errorMessage(error, fallback), 'OK', { duration: 8000 });
  }
}

/** A page's list from the API: the items, whether they are loading, the error to show instead. */
export interface ListState<T> {
  items: WritableSignal<T[]>;
  loading: WritableSignal<boolean>;
  error: WritableSignal<string | null>;
}

/** Loads `source` into `state`, sorted by `order`; on failure shows `failure` (or the API's reason). */
export function loadList<T>(state: ListState<T>, source: Observable<T[]>, failure: string, order: (a: T, b: T) => number): void {
  state.loading.set(true);
  state.error.set(null);
  source.subscribe({
    next: (items) => {
      state.items.set([...items].sort(order));
      state.loading.set(false);
    },
    error: (e: unknown) => {
      state.error.set(errorMessage(e, failure));
      state.loading.set(false);
    },
  });
}
