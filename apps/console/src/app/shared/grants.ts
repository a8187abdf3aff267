import { GrantTargetDto } from '@refity/api-client';

export type GrantAction = GrantTargetDto['action'];
export type GrantScope = GrantTargetDto['scope'];

export const GRANT_ACTIONS: GrantAction[] = ['pull', 'push', 'delete'];
export const GRANT_SCOPES: GrantScope[] = ['group', 'repository'];

/** "repository myteam/* → push" */
export function grantLabel(g: { scope: GrantScope; pattern: string; action: GrantAction }): string {
  return `${g.scope} ${g.pattern} → ${g.action}`;
}

/** A date input's yyyy-mm-dd as the end of that day in UTC (expiry), or undefined when empty. */
export function endOfDayUtc(date: string): string | undefined {
  return date ? `${date}T23:59:59.999Z` : undefined;
}

/** A date input's yyyy-mm-dd as the start of that day in UTC, or undefined when empty. */
export function startOfDayUtc(date: string): string | undefined {
  return date ? `${date}T00:00:00.000Z` : undefined;
}
