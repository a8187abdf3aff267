import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { DashboardDto, provideApiConfiguration } from '@refity/api-client';
import { provideIcons } from '../../shared/icons';
import { DashboardPage } from './dashboard';

const dashboard = (over: Partial<DashboardDto> = {}): DashboardDto => ({
  generatedAt: '2026-01-01T00:00:00Z',
  images: 3,
  groups: 2,
  repositories: 2,
  totalSize: 27_145_915,
  recentPushes: [{ repository: 'myteam/app', tag: '1.0.0', digest: 'sha256:' + 'a'.repeat(64), size: 3_000_000, pushedAt: '2026-01-01T00:00:00Z' }],
  uploads: { running: 1, pending: 0, failed: 0, bytesPending: 5_000_000 },
  sftp: { configured: true, connected: true, driver: 'sftp', host: 'box.example.com', latencyMs: 12, error: null },
  storagePerGroup: [
    { group: 'small', size: 1_000_000 },
    { group: 'myteam', size: 26_145_915 },
  ],
  ...over,
});

async function render() {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
  TestBed.configureTestingModule({
    imports: [DashboardPage],
    providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(DashboardPage);
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

const flushAll = (ctrl: HttpTestingController, d: DashboardDto, uploads: unknown[] = []) => {
  ctrl.expectOne('/api/dashboard').flush(d);
  ctrl.expectOne('/api/uploads').flush(uploads);
};

describe('DashboardPage', () => {
  afterEach(() => jest.useRealTimers());

  it('shows the four cards, storage per group largest first, storage status and recent pushes', async () => {
    const { fixture, ctrl, el } = await render();
    jest.advanceTimersByTime(0);
    flushAll(ctrl, dashboard(), [{ id: 'u1', repository: 'myteam/app', bytesReceived: 2_500_000, state: 'running', startedAt: '', updatedAt: '' }]);
    fixture.detectChanges();
    const value = (id: string) => el.querySelector(`[data-testid=${id}] .value`)?.textContent?.trim();
    expect([value('stat-images'), value('stat-groups'), value('stat-repositories'), value('stat-size')]).toEqual(['3', '2', '2', '27.1 MB']);
    expect(Array.from(el.querySelectorAll('.bars li a')).map((a) => a.textContent)).toEqual(['myteam', 'small']);
    expect(el.querySelector('[data-testid=sftp-status]')?.textContent).toContain('SFTP connected');
    expect(el.querySelector('[data-testid=upload-counts]')?.textContent).toContain('1 running');
    expect(el.textContent).toContain('2.5 MB received');
    expect(el.textContent).toContain('myteam/app:1.0.0');
  });

  it('polls so upload progress moves without a reload', async () => {
    const { fixture, ctrl } = await render();
    jest.advanceTimersByTime(0);
    flushAll(ctrl, dashboard());
    jest.advanceTimersByTime(5000);
    flushAll(ctrl, dashboard({ images: 4 }));
    fixture.detectChanges();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=stat-images] .value')?.textContent?.trim()).toBe('4');
    fixture.destroy();
    jest.advanceTimersByTime(5000);
    ctrl.expectNone('/api/dashboard'); // stops polling when the page is left
  });

  it('tells a new installation what to do first', async () => {
    const { fixture, ctrl, el } = await render();
    jest.advanceTimersByTime(0);
    flushAll(ctrl, dashboard({ images: 0, groups: 0, repositories: 0, totalSize: 0, recentPushes: [], storagePerGroup: [] }));
    fixture.detectChanges();
    expect(el.textContent).toContain('Nothing stored yet');
    expect(el.textContent).toContain('Create a group');
    expect(el.textContent).toContain('docker push');
  });

  it('shows the error when the dashboard cannot be loaded', async () => {
    const { fixture, ctrl, el } = await render();
    jest.advanceTimersByTime(0);
    ctrl.expectOne('/api/dashboard').flush({ statusCode: 503, error: 'Service Unavailable', message: 'storage unavailable' }, { status: 503, statusText: 'x' });
    expect(ctrl.expectOne('/api/uploads').cancelled).toBe(true); // forkJoin drops the other call
    fixture.detectChanges();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('storage unavailable');
  });
});
