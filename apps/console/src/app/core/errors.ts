import { HttpErrorResponse } from '@angular/common/http';

/** One readable sentence from an admin API error (`{ statusCode, error, message }`) or anything else. */
export function errorMessage(e: unknown, fallback = 'Something went wrong'): string {
  if (e instanceof HttpErrorResponse) {
    if (e.status === 0) return 'The admin API cannot be reached. Is it running?';
    const body = e.error as { message?: unknown; error?: unknown } | string | null;
    if (body && typeof body === 'object') {
      const m = body.message;
      if (Array.isArray(m) && m.length) return m.join('; ');
      if (typeof m === 'string' && m) return m;
      if (typeof body.error === 'string' && body.error) return `${body.error} (HTTP ${e.status})`;
    }
    if (typeof body === 'string' && body && body.length < 300 && !body.startsWith('<')) return body;
    return `${e.statusText || 'Error'} (HTTP ${e.status})`;
  }
  if (e instanceof Error && e.message) return e.message;
  return fallback;
}
