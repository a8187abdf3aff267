/**
 * Docker token-auth scopes: `repository:<name>:<actions>`, `repository(<class>):<name>:<actions>`
 * and `registry:catalog:*` (https://distribution.github.io/distribution/spec/auth/scope/).
 */

/** Actions on a repository; each implies the ones before it in grants (not in tokens). */
export type RepositoryAction = 'pull' | 'push' | 'delete';
export const REPOSITORY_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

export interface ResourceScope {
  /** `repository` or `registry` (a resource class like `repository(plugin)` is reduced to its type). */
  type: string;
  name: string;
  actions: string[];
}

const SCOPE = /^([a-z0-9]+)(?:\([a-z0-9]+\))?:(.+):([a-z*]+(?:,[a-z*]+)*)$/;

/** One scope string, or null when it is malformed. */
export function parseScope(text: string): ResourceScope | null {
  const match = SCOPE.exec(text);
  if (!match) return null;
  return { type: match[1], name: match[2], actions: [...new Set(match[3].split(','))] };
}

/**
 * Every scope of a token request: `scope` may repeat (GET) or hold several separated by spaces
 * (the OAuth2 POST form). Malformed ones are ignored; the same resource asked twice is merged.
 */
export function parseScopes(values: Array<string | undefined>): ResourceScope[] {
  const merged = new Map<string, ResourceScope>();
  for (const value of values) {
    for (const part of (value ?? '').split(' ')) {
      if (!part) continue;
      const scope = parseScope(part);
      if (!scope) continue;
      const key = `${scope.type}:${scope.name}`;
      const existing = merged.get(key);
      if (existing) existing.actions = [...new Set([...existing.actions, ...scope.actions])];
      else merged.set(key, scope);
    }
  }
  return [...merged.values()];
}

export function formatScope(scope: ResourceScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

export const CATALOG_SCOPE: ResourceScope = { type: 'registry', name: 'catalog', actions: ['*'] };
