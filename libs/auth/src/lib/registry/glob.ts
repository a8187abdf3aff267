// Repository globs of grants: `*` matches within one path component, `**` across components.
// `myteam/*` matches `myteam/app` but not `myteam/tools/cli`; `myteam/**` matches both;
// `*/base-*` matches `anyteam/base-node`.

const COMPONENT = /^(?:\*\*|[a-z0-9._*-]+)$/;
const MAX_GLOB_LENGTH = 255;

/** Why a glob is refused (null when it is fine). */
export function repositoryGlobProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_GLOB_LENGTH) return `must be at most ${MAX_GLOB_LENGTH} characters`;
  const components = pattern.split('/');
  for (const component of components) {
    if (!COMPONENT.test(component) || (component !== '**' && component.includes('**'))) {
      return 'must be repository-name components (lowercase letters, digits, ".", "_", "-") with "*" inside one component or "**" as a whole component, separated by "/"';
    }
  }
  return null;
}

const compiled = new Map<string, RegExp>();

/** The glob as an anchored regular expression (cached). */
export function compileRepositoryGlob(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    const components = pattern.split('/');
    let source = '';
    components.forEach((component, index) => {
      const first = index === 0;
      if (component === '**') {
        // Zero or more whole components: leading `**/` eats its own slashes, a later one brings them.
        source += components.length === 1 ? '.*' : first ? '(?:[^/]+/)*' : '(?:/[^/]+)*';
        return;
      }
      const leadingAny = index === 1 && components[0] === '**';
      if (!first && !leadingAny) source += '/';
      source += component
        .split('*')
        .map((literal) => literal.replace(/[.\\+?^${}()|[\]-]/g, '\\$&'))
        .join('[^/]*');
    });
    regex = new RegExp(`^${source}$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

export function matchesRepositoryGlob(pattern: string, name: string): boolean {
  return compileRepositoryGlob(pattern).test(name);
}
