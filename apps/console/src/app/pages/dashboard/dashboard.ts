import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { DashboardDto, DashboardService, UploadJobDto, UploadsService } from '@refity/api-client';
import { catchError, EMPTY, exhaustMap, forkJoin, of, Subscription, timer } from 'rxjs';
import { ConsoleConfig } from '../../core/console-config';
import { errorMessage } from '../../core/errors';
import { formatBytes, percent, pushCommand, shortDigest, timeAgo } from '../../shared/format';
import { PageState } from '../../shared/page-state';

/** How often the dashboard (upload progress above all) refreshes. */
export const DASHBOARD_POLL_MS = 5000;

@Component({
  selector: 'rf-dashboard',
  imports: [MatCardModule, MatButtonModule, MatIconModule, MatProgressBarModule, MatTableModule, RouterLink, PageState],
  templateUrl: './dashboard.html',
  styleUrl: './dashboard.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DashboardPage implements OnInit {
  private readonly api = inject(DashboardService);
  private readonly uploadsApi = inject(UploadsService);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly config = inject(ConsoleConfig);
  protected readonly data = signal<DashboardDto | null>(null);
  protected readonly uploads = signal<UploadJobDto[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly fmt = formatBytes;
  protected readonly ago = timeAgo;
  protected readonly short = shortDigest;
  protected readonly pct = percent;
  protected readonly pushExample = computed(() => pushCommand(this.config.registryUrl(), 'myteam/app', '1.0.0'));
  /** Bars of the storage-per-group chart, largest first, scaled to the largest group. */
  protected readonly groupBars = computed(() => {
    const groups = [...(this.data()?.storagePerGroup ?? [])].sort((a, b) => b.size - a.size);
    const max = groups.reduce((m, g) => Math.max(m, g.size), 0);
    return groups.map((g) => ({ ...g, width: max > 0 ? Math.max(1, (g.size / max) * 100) : 0 }));
  });

  private poll?: Subscription;

  ngOnInit(): void {
    this.reload();
  }

  reload(): void {
    this.loading.set(!this.data());
    this.error.set(null);
    this.poll?.unsubscribe();
    this.poll = timer(0, DASHBOARD_POLL_MS)
      .pipe(
        exhaustMap(() =>
          forkJoin({ dashboard: this.api.getDashboard(), uploads: this.uploadsApi.listUploads().pipe(catchError(() => of(null))) }).pipe(
            catchError((e: unknown) => {
              this.error.set(errorMessage(e, 'The dashboard could not be loaded'));
              this.loading.set(false);
              return EMPTY;
            }),
          ),
        ),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe(({ dashboard, uploads }) => {
        this.data.set(dashboard);
        if (uploads) this.uploads.set(uploads);
        this.error.set(null);
        this.loading.set(false);
      });
  }
}
