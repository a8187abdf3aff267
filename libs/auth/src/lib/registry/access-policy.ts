import type { GrantAction, GrantScope } from '@refity/metadata';
import { matchesRepositoryGlob } from './glob';
import { REPOSITORY_ACTIONS, RepositoryAction, ResourceScope } from './scope';

export interface PolicyGrant {
  scope: GrantScope;
  pattern: string;
  action: GrantAction;
}

const RANK: Record<GrantAction, number> = { pull: 1, push: 2, delete: 3 };

/** The group of a repository name: its first component. */
export function groupOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}

/** What a level allows: `push` implies pull, `delete` implies push. */
export function actionsOfLevel(level: GrantAction | null): RepositoryAction[] {
  return level === null ? [] : REPOSITORY_ACTIONS.slice(0, RANK[level]);
}

/**
 * What one account may do where: an admin everything; anyone else the highest of the grants that
 * match (a group grant covers every repository of the group, nested ones too; a repository grant
 * matches by glob), and at least pull in a public group (anonymous callers too).
 */
export class AccessPolicy {
  private readonly publicGroups: Set<string>;
  private readonly levels = new Map<string, GrantAction | null>();

  constructor(
    readonly admin: boolean,
    private readonly grants: readonly PolicyGrant[],
    publicGroups: Iterable<string>,
  ) {
    this.publicGroups = new Set(publicGroups);
  }

  static anonymous(publicGroups: Iterable<string>): AccessPolicy {
    return new AccessPolicy(false, [], publicGroups);
  }

  /** The highest level on this repository, or null for none. */
  level(repository: string): GrantAction | null {
    if (this.admin) return 'delete';
    const cached = this.levels.get(repository);
    if (cached !== undefined) return cached;
    const group = groupOf(repository);
    let rank = this.publicGroups.has(group) ? RANK.pull : 0;
    for (const grant of this.grants) {
      if (RANK[grant.action] <= rank) continue;
      const matches = grant.scope === 'group' ? grant.pattern === group : matchesRepositoryGlob(grant.pattern, repository);
      if (matches) rank = RANK[grant.action];
    }
    const level = rank === 0 ? null : (REPOSITORY_ACTIONS[rank - 1] as GrantAction);
    if (this.levels.size > 5_000) this.levels.clear();
    this.levels.set(repository, level);
    return level;
  }

  actions(repository: string): RepositoryAction[] {
    return actionsOfLevel(this.level(repository));
  }

  allows(repository: string, action: RepositoryAction): boolean {
    return this.actions(repository).includes(action);
  }

  /**
   * The actions to put in a token for one requested scope: only those both asked for and allowed
   * (`*` asks for all). The catalog is granted to everyone: its listing is filtered per caller.
   */
  grantedActions(scope: ResourceScope): string[] {
    if (scope.type === 'registry') return scope.name === 'catalog' && scope.actions.includes('*') ? ['*'] : [];
    if (scope.type !== 'repository') return [];
    const allowed = this.actions(scope.name);
    const wanted = scope.actions.includes('*') ? REPOSITORY_ACTIONS : scope.actions;
    return allowed.filter((action) => wanted.includes(action));
  }
}
