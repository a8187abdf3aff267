import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, inject, OnInit } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatListModule } from '@angular/material/list';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';
import { AuthSession } from '../core/auth-session';
import { ConsoleConfig } from '../core/console-config';

/** Toolbar + navigation (a side rail on wide screens, a drawer on phones) around the pages. */
@Component({
  selector: 'rf-shell',
  imports: [MatSidenavModule, MatToolbarModule, MatListModule, MatButtonModule, MatIconModule, RouterOutlet, RouterLink, RouterLinkActive],
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell implements OnInit {
  protected readonly session = inject(AuthSession);
  private readonly config = inject(ConsoleConfig);
  protected readonly narrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 840px)')
      .pipe(map((s) => s.matches)),
    { initialValue: false },
  );

  ngOnInit(): void {
    this.config.load();
  }

  /** Keyboard users jump over the navigation (the hash would confuse the router). */
  skipToMain(event: Event): void {
    event.preventDefault();
    document.getElementById('main')?.focus();
  }

  logout(): void {
    this.session.logout();
  }
}
