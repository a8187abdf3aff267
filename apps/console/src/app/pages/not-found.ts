import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'rf-not-found',
  imports: [RouterLink],
  template: `
    <section class="page">
      <div class="page-header"><h1>Page not found</h1></div>
      <p>There is nothing at this address. Go to the <a routerLink="/dashboard">dashboard</a> or the <a routerLink="/groups">groups</a>.</p>
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotFoundPage {}
