import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, OnInit, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatTableModule } from '@angular/material/table';
import { AuditEntryDto, AuditService } from '@refity/api-client';
import { errorMessage } from '../../core/errors';
import { endOfDayUtc, startOfDayUtc } from '../../shared/grants';
import { PageState } from '../../shared/page-state';

interface AuditQuery {
  actor?: string;
  action?: string;
  repository?: string;
  from?: string;
  to?: string;
}

/** The audit log (admins only): newest first, filtered by actor, action, repository and time, paginated. */
@Component({
  selector: 'rf-audit',
  imports: [ReactiveFormsModule, DatePipe, MatTableModule, MatPaginatorModule, MatButtonModule, MatIconModule, MatFormFieldModule, MatInputModule, PageState],
  templateUrl: './audit.html',
  styleUrl: './audit.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuditPage implements OnInit {
  private readonly api = inject(AuditService);
  protected readonly entries = signal<AuditEntryDto[]>([]);
  protected readonly total = signal(0);
  /** 0-based, as MatPaginator counts; the API's page is 1-based. */
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(50);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);
  protected readonly columns = ['at', 'actor', 'action', 'repository', 'client', 'detail'];
  protected readonly form = inject(FormBuilder).nonNullable.group({ actor: [''], action: [''], repository: [''], from: [''], to: [''] });
  private query: AuditQuery = {};

  ngOnInit(): void {
    this.load();
  }

  /** Apply the filters from the first page on. */
  search(): void {
    const v = this.form.getRawValue();
    const q: AuditQuery = {};
    if (v.actor.trim()) q.actor = v.actor.trim();
    if (v.action.trim()) q.action = v.action.trim();
    if (v.repository.trim()) q.repository = v.repository.trim();
    const from = startOfDayUtc(v.from);
    const to = endOfDayUtc(v.to);
    if (from) q.from = from;
    if (to) q.to = to;
    this.query = q;
    this.pageIndex.set(0);
    this.load();
  }

  clear(): void {
    this.form.reset();
    this.search();
  }

  page(e: PageEvent): void {
    this.pageIndex.set(e.pageIndex);
    this.pageSize.set(e.pageSize);
    this.load();
  }

  load(): void {
    this.loading.set(true);
    this.error.set(null);
    this.api.listAudit({ ...this.query, page: this.pageIndex() + 1, pageSize: this.pageSize() }).subscribe({
      next: (p) => {
        this.entries.set(p.items);
        this.total.set(p.total);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(errorMessage(e, 'The audit log could not be loaded'));
        this.loading.set(false);
      },
    });
  }

  filtered(): boolean {
    return Object.keys(this.query).length > 0;
  }

  detail(e: AuditEntryDto): string {
    return e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail) : '';
  }
}
