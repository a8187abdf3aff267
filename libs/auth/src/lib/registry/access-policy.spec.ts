import { AccessPolicy, actionsOfLevel, groupOf } from './access-policy';
import { compileRepositoryGlob, matchesRepositoryGlob, repositoryGlobProblem } from './glob';
import { formatScope, parseScope, parseScopes } from './scope';

describe('scope parsing', () => {
  it('reads repository, repository(class) and registry scopes', () => {
    expect(parseScope('repository:myteam/app:pull,push')).toEqual({ type: 'repository', name: 'myteam/app', actions: ['pull', 'push'] });
    expect(parseScope('repository(plugin):team/x:pull')).toEqual({ type: 'repository', name: 'team/x', actions: ['pull'] });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
    expect(parseScope('repository:a/b:pull,pull')).toEqual({ type: 'repository', name: 'a/b', actions: ['pull'] });
  });

  it('ignores malformed scopes', () => {
    for (const bad of ['', 'repository', 'repository:a/b', 'repository:a/b:', 'repository::pull', 'Repository:a/b:pull', 'repository:a/b:pull;rm', 'repository:a/b:PULL']) {
      expect(parseScope(bad)).toBeNull();
    }
  });

  it('merges repeated and space-separated scopes (GET repeats scope=, the OAuth2 form separates by spaces)', () => {
    const scopes = parseScopes(['repository:team/a:pull', 'repository:team/b:pull repository:team/a:push', undefined, 'nonsense', 'registry:catalog:*']);
    expect(scopes.map(formatScope)).toEqual(['repository:team/a:pull,push', 'repository:team/b:pull', 'registry:catalog:*']);
  });
});

describe('repository globs', () => {
  it('matches * within one component and ** across components', () => {
    expect(matchesRepositoryGlob('myteam/*', 'myteam/app')).toBe(true);
    expect(matchesRepositoryGlob('myteam/*', 'myteam/tools/cli')).toBe(false);
    expect(matchesRepositoryGlob('myteam/*', 'other/app')).toBe(false);
    expect(matchesRepositoryGlob('myteam/**', 'myteam/tools/cli')).toBe(true);
    expect(matchesRepositoryGlob('*/base-*', 'anyteam/base-node')).toBe(true);
    expect(matchesRepositoryGlob('*/base-*', 'anyteam/node-base')).toBe(false);
    expect(matchesRepositoryGlob('*/base-*', 'a/b/base-node')).toBe(false);
    expect(matchesRepositoryGlob('**/base-*', 'a/b/base-node')).toBe(true);
    expect(matchesRepositoryGlob('**/base-*', 'base-node')).toBe(true);
    expect(matchesRepositoryGlob('team/**/cli', 'team/cli')).toBe(true);
    expect(matchesRepositoryGlob('team/**/cli', 'team/a/b/cli')).toBe(true);
    expect(matchesRepositoryGlob('team/**/cli', 'team/a/b/cli2')).toBe(false);
    expect(matchesRepositoryGlob('**', 'any/thing/at/all')).toBe(true);
    expect(matchesRepositoryGlob('team/app', 'team/app')).toBe(true);
    expect(matchesRepositoryGlob('team/app', 'team/app2')).toBe(false);
  });

  it('treats dots and dashes literally', () => {
    expect(matchesRepositoryGlob('team/a.b', 'team/axb')).toBe(false);
    expect(compileRepositoryGlob('team/a.b-*').source).toBe('^team\\/a\\.b\\-[^/]*$');
  });

  it('refuses patterns that are not name components', () => {
    expect(repositoryGlobProblem('myteam/*')).toBeNull();
    expect(repositoryGlobProblem('**/base-*')).toBeNull();
    for (const bad of ['', 'MyTeam/*', 'team//app', 'team/app/', 'team/a**b', 'team/(app)', 'team/app?', 'x'.repeat(256)]) {
      expect(repositoryGlobProblem(bad)).not.toBeNull();
    }
  });
});

describe('access policy (grant resolution)', () => {
  const policy = new AccessPolicy(
    false,
    [
      { scope: 'group', pattern: 'myteam', action: 'push' },
      { scope: 'repository', pattern: 'myteam/secret*', action: 'delete' },
      { scope: 'repository', pattern: '*/base-*', action: 'pull' },
      { scope: 'group', pattern: 'shared', action: 'pull' },
    ],
    ['public'],
  );

  it('takes the highest matching grant; each level implies the lower ones', () => {
    expect(policy.actions('myteam/app')).toEqual(['pull', 'push']);
    expect(policy.actions('myteam/sub/app')).toEqual(['pull', 'push']);
    expect(policy.actions('myteam/secret-store')).toEqual(['pull', 'push', 'delete']);
    expect(policy.actions('other/base-node')).toEqual(['pull']);
    expect(policy.actions('other/app')).toEqual([]);
    expect(policy.level('shared/app')).toBe('pull');
    expect(policy.allows('myteam/app', 'push')).toBe(true);
    expect(policy.allows('myteam/app', 'delete')).toBe(false);
  });

  it('lets anyone pull from a public group, but not push', () => {
    expect(policy.actions('public/tool')).toEqual(['pull']);
    const anonymous = AccessPolicy.anonymous(['public']);
    expect(anonymous.actions('public/tool')).toEqual(['pull']);
    expect(anonymous.actions('myteam/app')).toEqual([]);
    // A group name that merely starts like the public one is another group.
    expect(anonymous.actions('public2/tool')).toEqual([]);
  });

  it('gives an admin everything', () => {
    const admin = new AccessPolicy(true, [], []);
    expect(admin.actions('any/where')).toEqual(['pull', 'push', 'delete']);
  });

  it('grants per requested scope only what is both asked and allowed', () => {
    expect(policy.grantedActions({ type: 'repository', name: 'myteam/app', actions: ['pull', 'push'] })).toEqual(['pull', 'push']);
    expect(policy.grantedActions({ type: 'repository', name: 'myteam/app', actions: ['push'] })).toEqual(['push']);
    expect(policy.grantedActions({ type: 'repository', name: 'other/base-x', actions: ['pull', 'push'] })).toEqual(['pull']);
    expect(policy.grantedActions({ type: 'repository', name: 'myteam/app', actions: ['*'] })).toEqual(['pull', 'push']);
    expect(policy.grantedActions({ type: 'repository', name: 'nobody/app', actions: ['*'] })).toEqual([]);
    expect(policy.grantedActions({ type: 'repository', name: 'myteam/app', actions: ['admin', 'pull'] })).toEqual(['pull']);
    expect(policy.grantedActions({ type: 'registry', name: 'catalog', actions: ['*'] })).toEqual(['*']);
    expect(policy.grantedActions({ type: 'registry', name: 'other', actions: ['*'] })).toEqual([]);
    expect(policy.grantedActions({ type: 'plugin', name: 'x', actions: ['pull'] })).toEqual([]);
  });

  it('helpers', () => {
    expect(groupOf('team/a/b')).toBe('team');
    expect(actionsOfLevel(null)).toEqual([]);
    expect(actionsOfLevel('push')).toEqual(['pull', 'push']);
  });
});
