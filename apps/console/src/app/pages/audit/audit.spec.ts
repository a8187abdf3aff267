import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuditEntryDto, provideApiConfiguration } from '@refity/api-client';
import { authInterceptor } from '../../core/auth.interceptor';
import { SESSION_KEY } from '../../core/auth-session';
import { provideIcons } from '../../shared/icons';
import { AuditPage } from './audit';

const entry = (id: number, action: string, extra: Partial<AuditEntryDto> = {}): AuditEntryDto => ({
  id,
  action,
  actor: 'alice',
  actorType: 'user',
  at: '2026-03-01T10:00:00Z',
  clientAddress: '10.0.0.1',
  detail: null,
  digest: null,
  repository: null,
  tag: null,
  ...extra,
});

const page = (items: AuditEntryDto[], total = items.length, p = 1, pageSize = 50) => ({ items, total, page: p, pageSize });

async function render() {
  sessionStorage.setItem(
    SESSION_KEY,
    JSON.stringify({ token: 't', user: { id: 1, username: 'admin', role: 'admin', disabled: false, mustChangePassword: false, createdAt: '', lastLoginAt: null } }),
  );
  TestBed.configureTestingModule({
    imports: [AuditPage],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(AuditPage);
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }) {
  fixture.detectChanges();
  await fixture.whenStable();
}

function type(el: HTMLElement, name: string, value: string) {
  const input = el.querySelector(`input[name=${name}]`) as HTMLInputElement;
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

const isAudit = (r: { method: string; url: string }) => r.method === 'GET' && r.url === '/api/audit';

describe('AuditPage', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('loads the first page, newest first, and shows the entries', async () => {
    const { fixture, ctrl, el } = await render();
    expect(el.textContent).toContain('Loading the audit log');
    const req = ctrl.expectOne(isAudit);
    expect(req.request.urlWithParams).toBe('/api/audit?page=1&pageSize=50');
    req.flush(page([entry(2, 'push', { repository: 'myteam/app', tag: '1.0' }), entry(1, 'login.failed', { actor: 'bob', detail: { reason: 'bad password' } })]));
    await settle(fixture);
    const rows = Array.from(el.querySelectorAll('tr[data-audit]'));
    expect(rows.length).toBe(2);
    expect(rows[0].textContent).toContain('myteam/app:1.0');
    expect(rows[0].textContent).toContain('push');
    expect(rows[1].textContent).toContain('bad password');
  });

  it('sends the filters as query params and starts again from page 1', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne(isAudit).flush(page([entry(1, 'push')], 120));
    await settle(fixture);
    type(el, 'auditActor', 'robot$ci');
    type(el, 'auditAction', 'robot.*');
    type(el, 'auditRepository', 'myteam/*');
    type(el, 'auditFrom', '2026-03-01');
    type(el, 'auditTo', '2026-03-31');
    (el.querySelector('form.filters') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = ctrl.expectOne(isAudit);
    const p = req.request.params;
    expect(p.get('actor')).toBe('robot$ci');
    expect(p.get('action')).toBe('robot.*');
    expect(p.get('repository')).toBe('myteam/*');
    expect(p.get('from')).toBe('2026-03-01T00:00:00.000Z');
    expect(p.get('to')).toBe('2026-03-31T23:59:59.999Z');
    expect(p.get('page')).toBe('1');
    req.flush(page([]));
    await settle(fixture);
    expect(el.textContent).toContain('No matching entries');

    (Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.includes('Clear')) as HTMLButtonElement).click();
    expect(ctrl.expectOne(isAudit).request.urlWithParams).toBe('/api/audit?page=1&pageSize=50');
  });

  it('pages through the results with the filters kept', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne(isAudit).flush(page([entry(1, 'push')], 120));
    await settle(fixture);
    type(el, 'auditActor', 'alice');
    (el.querySelector('form.filters') as HTMLFormElement).dispatchEvent(new Event('submit'));
    ctrl.expectOne(isAudit).flush(page([entry(1, 'push')], 120));
    await settle(fixture);
    (el.querySelector('button[aria-label="Next page"]') as HTMLButtonElement).click();
    const req = ctrl.expectOne(isAudit);
    expect(req.request.params.get('page')).toBe('2');
    expect(req.request.params.get('pageSize')).toBe('50');
    expect(req.request.params.get('actor')).toBe('alice');
    req.flush(page([entry(3, 'pull')], 120, 2));
    await settle(fixture);
    expect(el.textContent).toContain('51 – 100 of 120');
  });

  it('shows an empty state, and the API error with a retry', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne(isAudit).flush({ statusCode: 403, error: 'Forbidden', message: 'admins only' }, { status: 403, statusText: 'Forbidden' });
    await settle(fixture);
    expect(el.querySelector('[role=alert]')?.textContent).toContain('admins only');
    (Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.includes('Try again')) as HTMLButtonElement).click();
    ctrl.expectOne(isAudit).flush(page([]));
    await settle(fixture);
    expect(el.textContent).toContain('No audit entries yet');
  });
});
