/**
 * Pure formatting helpers shared by the pages (unit tested in format.spec.ts).
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/**
 * Bytes in decimal (SI) units, as the docker CLI prints sizes: 1 kB = 1000 B.
 * `formatBytes(0)` → "0 B", `formatBytes(1536)` → "1.5 kB", `formatBytes(27_145_915)` → "27.1 MB".
 * One decimal below 100 of a unit, none above; negative, NaN and missing values give "–".
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // 999.96 kB would print as "1000.0 kB": carry over to the next unit instead.
  if (Number(value.toFixed(1)) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value < 100 ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

/** The registry host as it appears in image references: no scheme, no path, no trailing slash. */
export function registryHost(registryUrl: string): string {
  let host = registryUrl.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.replace(/\/+$/, '');
  return host;
}

/**
 * The exact `docker pull` command for a repository (`group/repo`, possibly nested) and a tag or a
 * digest: `docker pull registry.example.com:5000/myteam/app:1.0.0` or `...app@sha256:…`.
 */
export function pullCommand(registryUrl: string, repository: string, reference: string): string {
  const host = registryHost(registryUrl);
  const repo = repository.replace(/^\/+|\/+$/g, '');
  const sep = reference.includes(':') ? '@' : ':';
  return `docker pull ${host ? host + '/' : ''}${repo}${sep}${reference}`;
}

/** `docker push` example used by empty states. */
export function pushCommand(registryUrl: string, repository: string, tag = 'latest'): string {
  const host = registryHost(registryUrl);
  return `docker push ${host ? host + '/' : ''}${repository}:${tag}`;
}

/** sha256:0123456789ab… → sha256:0123456789ab (12 hex digits, like docker). */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '';
  const i = digest.indexOf(':');
  return i < 0 ? digest.slice(0, 12) : digest.slice(0, i + 1 + 12);
}

/** linux/arm64/v8 from the parts of an OCI platform. */
export function platformLabel(p: { os?: string | null; architecture?: string | null; variant?: string | null } | null | undefined): string {
  if (!p || (!p.os && !p.architecture)) return 'unknown';
  return [p.os, p.architecture, p.variant].filter((x) => !!x).join('/');
}

/** A short human time for tables: "3 min ago", "2 h ago", else the local date. */
export function timeAgo(value: string | number | Date | null | undefined, now: Date = new Date()): string {
  if (value === null || value === undefined || value === '') return '–';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '–';
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  if (s < 0) return d.toLocaleString();
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)} d ago`;
  return d.toLocaleDateString();
}

/** Percentage 0..100 (rounded to one decimal), 0 when the total is unknown. */
export function percent(part: number | null | undefined, total: number | null | undefined): number {
  if (!part || !total || total <= 0) return 0;
  return Math.min(100, Math.round((part / total) * 1000) / 10);
}
