import { formatBytes, percent, platformLabel, pullCommand, pushCommand, registryHost, shortDigest, timeAgo } from './format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1536, '1.5 kB'],
    [99_949, '99.9 kB'],
    [123_456, '123 kB'],
    [999_960, '1 MB'],
    [27_145_915, '27.1 MB'],
    [3_500_000_000, '3.5 GB'],
    [1.2e13, '12 TB'],
  ])('%d → %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it('shows a dash for unknown values', () => {
    expect(formatBytes(undefined)).toBe('–');
    expect(formatBytes(null)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
    expect(formatBytes(-1)).toBe('–');
  });
});

describe('pullCommand', () => {
  it('builds the exact docker pull line for a tag', () => {
    expect(pullCommand('registry.example.com:5000', 'myteam/app', '1.0.0')).toBe('docker pull registry.example.com:5000/myteam/app:1.0.0');
  });

  it('strips the scheme and trailing slashes of REGISTRY_URL', () => {
    expect(pullCommand('http://localhost:5000/', 'myteam/app', 'latest')).toBe('docker pull localhost:5000/myteam/app:latest');
    expect(pullCommand('https://reg.example.com', '/g/nested/r/', 'v1')).toBe('docker pull reg.example.com/g/nested/r:v1');
  });

  it('uses @ for a digest', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(pullCommand('localhost:5000', 'g/r', d)).toBe(`docker pull localhost:5000/g/r@${d}`);
  });

  it('leaves the host out when REGISTRY_URL is empty', () => {
    expect(pullCommand('', 'g/r', 't')).toBe('docker pull g/r:t');
  });
});

describe('other helpers', () => {
  it('registryHost', () => expect(registryHost(' https://r.example.com:443/ ')).toBe('r.example.com:443'));
  it('pushCommand', () => expect(pushCommand('http://localhost:5000', 'myteam/app', '1.0')).toBe('docker push localhost:5000/myteam/app:1.0'));
  it('shortDigest', () => {
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('sha256:0123456789ab');
    expect(shortDigest(undefined)).toBe('');
  });
  it('platformLabel', () => {
    expect(platformLabel({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(platformLabel({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(platformLabel(null)).toBe('unknown');
  });
  it('timeAgo', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(timeAgo('2026-01-01T11:59:30Z', now)).toBe('just now');
    expect(timeAgo('2026-01-01T11:30:00Z', now)).toBe('30 min ago');
    expect(timeAgo('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2025-12-30T12:00:00Z', now)).toBe('2 d ago');
    expect(timeAgo(null, now)).toBe('–');
    expect(timeAgo('garbage', now)).toBe('–');
  });
  it('percent', () => {
    expect(percent(1, 3)).toBe(33.3);
    expect(percent(5, 0)).toBe(0);
    expect(percent(10, 5)).toBe(100);
  });
});
