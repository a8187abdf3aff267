import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { provideRouter } from '@angular/router';
import { GroupDto, provideApiConfiguration } from '@refity/api-client';
import { of } from 'rxjs';
import { authInterceptor } from '../../core/auth.interceptor';
import { SESSION_KEY } from '../../core/auth-session';
import { provideIcons } from '../../shared/icons';
import { GroupsPage } from './groups';

const group = (name: string, repositoryCount: number, totalSize: number): GroupDto =>
  ({ name, repositoryCount, totalSize, tagCount: repositoryCount, createdAt: '2026-01-01T00:00:00Z' }) as GroupDto;

async function render(role: 'admin' | 'user' = 'admin') {
  sessionStorage.setItem(
    SESSION_KEY,
    JSON.stringify({ token: 't', user: { id: 1, username: role, role, disabled: false, mustChangePassword: false, createdAt: '', lastLoginAt: null } }),
  );
  TestBed.configureTestingModule({
    imports: [GroupsPage],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(GroupsPage);
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }) {
  fixture.detectChanges();
  await fixture.whenStable();
}

describe('GroupsPage', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('shows a loading state, then the groups with repository counts and sizes', async () => {
    const { fixture, ctrl, el } = await render();
    expect(el.textContent).toContain('Loading groups');
    ctrl.expectOne('/api/groups').flush([group('zeta', 0, 0), group('myteam', 2, 27_145_915)]);
    await settle(fixture);
    const rows = Array.from(el.querySelectorAll('tr[data-group]'));
    expect(rows.map((r) => r.getAttribute('data-group'))).toEqual(['myteam', 'zeta']);
    expect(rows[0].textContent).toContain('27.1 MB');
    expect(rows[0].textContent).toContain('2');
    expect(rows[0].querySelector('a')?.getAttribute('href')).toBe('/groups/myteam');
  });

  it('shows no create form nor delete buttons to a user (admin-only in the API)', async () => {
    const { fixture, ctrl, el } = await render('user');
    ctrl.expectOne('/api/groups').flush([group('myteam', 1, 10)]);
    await settle(fixture);
    expect(el.querySelector('form.create')).toBeNull();
    expect(el.querySelector('button[aria-label="Delete group myteam"]')).toBeNull();
    expect(el.querySelector('tr[data-group=myteam]')).not.toBeNull();
  });

  it('says what to do next when there is no group', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/groups').flush([]);
    await settle(fixture);
    expect(el.textContent).toContain('No groups yet');
    expect(el.textContent).toContain('docker push');
  });

  it('shows the API error and retries', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/groups').flush({ statusCode: 503, error: 'Service Unavailable', message: 'metadata store unavailable' }, { status: 503, statusText: 'Service Unavailable' });
    await settle(fixture);
    expect(el.querySelector('[role=alert]')?.textContent).toContain('metadata store unavailable');
    (Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.includes('Try again')) as HTMLButtonElement).click();
    ctrl.expectOne('/api/groups').flush([group('myteam', 0, 0)]);
    await settle(fixture);
    expect(el.querySelectorAll('tr[data-group]').length).toBe(1);
  });

  it('creates a group through the generated client and reloads', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/groups').flush([]);
    await settle(fixture);
    const input = el.querySelector('input[name=groupName]') as HTMLInputElement;
    input.value = 'myteam';
    input.dispatchEvent(new Event('input'));
    (el.querySelector('form.create') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const post = ctrl.expectOne((r) => r.method === 'POST' && r.url === '/api/groups');
    expect(post.request.body).toEqual({ name: 'myteam' });
    post.flush(group('myteam', 0, 0), { status: 201, statusText: 'Created' });
    ctrl.expectOne((r) => r.method === 'GET' && r.url === '/api/groups').flush([group('myteam', 0, 0)]);
    await settle(fixture);
    expect(el.querySelector('tr[data-group=myteam]')).not.toBeNull();
  });

  it('refuses a name outside the registry grammar without calling the API', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/groups').flush([]);
    await settle(fixture);
    const input = el.querySelector('input[name=groupName]') as HTMLInputElement;
    input.value = 'My Team';
    input.dispatchEvent(new Event('input'));
    (el.querySelector('form.create') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await settle(fixture);
    ctrl.expectNone((r) => r.method === 'POST');
    expect(el.textContent).toContain('Lowercase letters and digits');
  });

  it('deletes a non-empty group with force=true only after confirmation', async () => {
    const { fixture, ctrl, el } = await render();
    const dialog = TestBed.inject(MatDialog);
    const open = jest.spyOn(dialog, 'open').mockReturnValue({ afterClosed: () => of(true) } as ReturnType<MatDialog['open']>);
    ctrl.expectOne('/api/groups').flush([group('myteam', 3, 1000)]);
    await settle(fixture);
    (el.querySelector('button[aria-label="Delete group myteam"]') as HTMLButtonElement).click();
    expect(open).toHaveBeenCalled();
    const del = ctrl.expectOne((r) => r.method === 'DELETE');
    expect(del.request.urlWithParams).toBe('/api/groups/myteam?force=true');
    del.flush(null, { status: 204, statusText: 'No Content' });
    ctrl.expectOne('/api/groups').flush([]);
  });
});
