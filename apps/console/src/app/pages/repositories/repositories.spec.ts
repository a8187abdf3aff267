import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { provideApiConfiguration, RepositoryDto } from '@refity/api-client';
import { provideIcons } from '../../shared/icons';
import { RepositoriesPage } from './repositories';

const repo = (name: string, tagCount: number, totalSize: number): RepositoryDto => ({
  name: `myteam/${name}`,
  group: 'myteam',
  repository: name,
  tagCount,
  totalSize,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  pullCommand: '',
});

async function render() {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
  TestBed.configureTestingModule({
    imports: [RepositoriesPage],
    providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(RepositoriesPage);
  fixture.componentRef.setInput('group', 'myteam');
  fixture.detectChanges();
  await fixture.whenStable();
  return { fixture, ctrl: TestBed.inject(HttpTestingController), el: fixture.nativeElement as HTMLElement };
}

const list = (ctrl: HttpTestingController): TestRequest => ctrl.expectOne((r) => r.url === '/api/repositories');

describe('RepositoriesPage', () => {
  afterEach(() => jest.useRealTimers());

  it('asks the API for one group, sorted by name, first page; shows tag counts and sizes', async () => {
    const { fixture, ctrl, el } = await render();
    const req = list(ctrl);
    expect(req.request.params.get('group')).toBe('myteam');
    expect(req.request.params.get('sort')).toBe('name');
    expect(req.request.params.get('order')).toBe('asc');
    expect(req.request.params.get('page')).toBe('1');
    expect(req.request.params.has('search')).toBe(false);
    req.flush({ items: [repo('app', 2, 1_500_000), repo('tools/cli', 1, 999)], total: 2, page: 1, pageSize: 25 });
    fixture.detectChanges();
    const rows = Array.from(el.querySelectorAll('tr[data-repository]'));
    expect(rows.map((r) => r.getAttribute('data-repository'))).toEqual(['myteam/app', 'myteam/tools/cli']);
    expect(rows[0].textContent).toContain('1.5 MB');
    expect(rows[1].querySelector('a')?.getAttribute('href')).toBe('/groups/myteam/tools%2Fcli');
  });

  it('searches on the server after typing stops', async () => {
    const { fixture, ctrl, el } = await render();
    list(ctrl).flush({ items: [repo('app', 1, 1)], total: 1, page: 1, pageSize: 25 });
    fixture.detectChanges();
    const input = el.querySelector('input[type=search]') as HTMLInputElement;
    input.value = 'ap';
    input.dispatchEvent(new Event('input'));
    input.value = 'app';
    input.dispatchEvent(new Event('input'));
    jest.advanceTimersByTime(300);
    const req = list(ctrl);
    expect(req.request.params.get('search')).toBe('app');
    req.flush({ items: [], total: 0, page: 1, pageSize: 25 });
    fixture.detectChanges();
    expect(el.textContent).toContain('No repository matches');
  });

  it('sorts by size through the API', async () => {
    const { fixture, ctrl } = await render();
    list(ctrl).flush({ items: [repo('app', 1, 1)], total: 1, page: 1, pageSize: 25 });
    fixture.componentInstance.onSort({ active: 'size', direction: 'desc' });
    fixture.detectChanges();
    await fixture.whenStable();
    const req = list(ctrl);
    expect([req.request.params.get('sort'), req.request.params.get('order')]).toEqual(['size', 'desc']);
    req.flush({ items: [], total: 0, page: 1, pageSize: 25 });
  });

  it('explains how to create the first repository', async () => {
    const { fixture, ctrl, el } = await render();
    list(ctrl).flush({ items: [], total: 0, page: 1, pageSize: 25 });
    fixture.detectChanges();
    expect(el.textContent).toContain('No repositories in myteam yet');
    expect(el.textContent).toMatch(/docker push \S+\/myteam\/app:1\.0\.0/);
  });
});
