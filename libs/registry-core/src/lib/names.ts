import { ociErrors } from './oci-error';

// The distribution spec's grammar for repository names and tags.
const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Folder names of the storage layout; a repository component may not reuse them. */
const RESERVED_COMPONENTS = new Set(['blobs', 'manifests']);

export const MAX_NAME_LENGTH = 255;

export interface RepositoryName {
  /** Full name, e.g. `team/sub/app`. */
  name: string;
  /** The first component: Refity's group. */
  group: string;
}

/** Validates a repository name; the first component is the group, so at least two are needed. */
export function parseRepositoryName(name: string): RepositoryName {
  if (name.length > MAX_NAME_LENGTH) throw ociErrors.nameInvalid(name, `longer than ${MAX_NAME_LENGTH} characters`);
  if (!NAME.test(name)) throw ociErrors.nameInvalid(name, 'must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*(/...)*');
  const components = name.split('/');
  if (components.length < 2) throw ociErrors.nameInvalid(name, 'must be <group>/<repository>, e.g. myteam/app');
  const reserved = components.slice(1).find((component) => RESERVED_COMPONENTS.has(component));
  if (reserved) throw ociErrors.nameInvalid(name, `"${reserved}" cannot be a repository path component`);
  return { name, group: components[0] };
}

export function isValidGroupName(name: string): boolean {
  return new RegExp(`^${NAME_COMPONENT}$`).test(name) && name.length <= 128;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
