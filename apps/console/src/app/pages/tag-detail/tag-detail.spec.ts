import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { provideApiConfiguration, TagDetailDto } from '@refity/api-client';
import { ConsoleConfig } from '../../core/console-config';
import { provideIcons } from '../../shared/icons';
import { TagDetailPage } from './tag-detail';

const d = (c: string) => 'sha256:' + c.repeat(64);

const single: TagDetailDto = {
  repository: 'myteam/app',
  tag: '1.0.0',
  digest: d('a'),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  size: 3_000_000,
  pushedAt: '2026-01-01T00:00:00Z',
  isIndex: false,
  artifactType: null,
  otherTags: ['latest'],
  pullCommand: 'docker pull registry.example.com:5000/myteam/app:1.0.0',
  platforms: [],
  referrers: [{ digest: d('f'), mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json', size: 700, annotations: {} }],
  image: {
    digest: d('a'),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 900,
    configDigest: d('c'),
    layers: [
      { digest: d('1'), size: 2_000_000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      { digest: d('2'), size: 1_000_000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    ],
    config: { os: 'linux', architecture: 'amd64', entrypoint: ['/app'], cmd: ['--serve'], env: ['PATH=/usr/bin'], labels: { team: 'core' } },
    history: [{ createdBy: 'COPY app /app', emptyLayer: false }, { createdBy: 'ENTRYPOINT ["/app"]', emptyLayer: true }],
  },
} as TagDetailDto;

async function render(detail: TagDetailDto) {
  TestBed.configureTestingModule({
    imports: [TagDetailPage],
    providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  TestBed.inject(ConsoleConfig).registryUrl.set('registry.example.com:5000');
  const fixture = TestBed.createComponent(TagDetailPage);
  fixture.componentRef.setInput('group', 'myteam');
  fixture.componentRef.setInput('repository', 'app');
  fixture.componentRef.setInput('tag', '1.0.0');
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  await fixture.whenStable();
  ctrl.expectOne('/api/repositories/myteam/app/tags/1.0.0').flush(detail);
  fixture.detectChanges();
  await fixture.whenStable();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

describe('TagDetailPage', () => {
  it('shows the exact pull command with REGISTRY_URL from the server', async () => {
    const { el } = await render(single);
    expect(el.querySelector('[data-testid=pull-command]')?.textContent?.trim()).toBe('docker pull registry.example.com:5000/myteam/app:1.0.0');
    expect(el.querySelector('rf-copy-button button')?.getAttribute('data-copy-text')).toBe('docker pull registry.example.com:5000/myteam/app:1.0.0');
  });

  it('lists every layer with its size, and the total', async () => {
    const { el } = await render(single);
    const rows = el.querySelectorAll('[data-testid=layers-table] tr.layer-row');
    expect(rows.length).toBe(2);
    expect(rows[0].textContent).toContain('2 MB');
    expect(rows[0].querySelector('[data-bytes]')?.getAttribute('data-bytes')).toBe('2000000');
    expect(el.textContent).toContain('2 layers, 3 MB compressed');
    expect(el.textContent).toContain('Same image as');
  });

  it('switches platform of an index by loading that manifest', async () => {
    const index: TagDetailDto = {
      ...single,
      isIndex: true,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: [
        { platform: { os: 'linux', architecture: 'amd64' }, digest: d('a'), mediaType: single.image.mediaType, size: 3_000_900 },
        { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, digest: d('b'), mediaType: single.image.mediaType, size: 500 },
      ],
    } as TagDetailDto;
    const { fixture, ctrl, el } = await render(index);
    const toggles = Array.from(el.querySelectorAll('mat-button-toggle button')) as HTMLButtonElement[];
    expect(toggles.map((b) => b.textContent?.trim())).toEqual(['linux/amd64 · 3 MB', 'linux/arm64/v8 · 500 B']);
    toggles[1].click();
    ctrl.expectOne(`/api/repositories/myteam/app/manifests/${encodeURIComponent(d('b'))}`).flush({
      ...single.image,
      digest: d('b'),
      layers: [{ digest: d('9'), size: 500, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
    });
    fixture.detectChanges();
    await fixture.whenStable();
    expect(el.querySelectorAll('[data-testid=layers-table] tr.layer-row').length).toBe(1);
  });

  it('shows a not-found error with a retry', async () => {
    TestBed.configureTestingModule({
      imports: [TagDetailPage],
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
    });
    const fixture = TestBed.createComponent(TagDetailPage);
    fixture.componentRef.setInput('group', 'myteam');
    fixture.componentRef.setInput('repository', 'app');
    fixture.componentRef.setInput('tag', 'gone');
    fixture.detectChanges();
    await fixture.whenStable();
    TestBed.inject(HttpTestingController)
      .expectOne('/api/repositories/myteam/app/tags/gone')
      .flush({ statusCode: 404, error: 'Not Found', message: 'tag gone not found in myteam/app' }, { status: 404, statusText: 'Not Found' });
    fixture.detectChanges();
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[role=alert]')?.textContent).toContain('tag gone not found');
    expect(el.textContent).toContain('Try again');
  });
});
