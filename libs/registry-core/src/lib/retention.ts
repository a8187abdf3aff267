import { MetadataStore, RepositoryEntity, RetentionPolicy, RetentionPolicyInput, RetentionStore, TagEntity } from '@refity/metadata';
import { isStorageError, StorageDriver } from '@refity/storage-api';
import { storageLayout } from './layout';
import { isValidGroupName, parseRepositoryName } from './names';

export interface RetentionOptions {
  /** Report what would be deleted; delete nothing. */
  dryRun?: boolean;
  /** Limit to one group. */
  group?: string;
  /** A tag pushed (or moved) less than this long ago is never deleted (default one hour). */
  gracePeriodMs?: number;
  /** Called after each repository. */
  onProgress?: (done: number, total: number, repository: string) => void;
}

export interface RetentionDecision {
  repository: string;
  /** The policy's target that applied (the repository itself, or a group / parent path). */
  policy: string;
  keptTags: string[];
  deletedTags: Array<{ tag: string; digest: string }>;
}

export interface RetentionReport {
  dryRun: boolean;
  policies: number;
  repositories: RetentionDecision[];
  /** Every deleted (or, on a dry run, doomed) tag. */
  deletedTags: Array<{ repository: string; tag: string; digest: string }>;
  /** Manifests that lost their last tag and are listed by no index, the children of deleted indexes, and their referrers. */
  deletedManifests: Array<{ repository: string; digest: string }>;
}

/** Raised for a policy that cannot be stored. */
export class RetentionPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionPolicyError';
  }
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TAG_GLOB = /^[a-zA-Z0-9_.*?-]{1,128}$/;

/** `v*` → /^v.*$/; `*` is any run of characters, `?` one; everything else is literal. */
export function tagGlob(pattern: string): RegExp {
  const body = pattern.replace(/[.*?+^${}()|[\]\\-]/g, (char) => (char === '*' ? '.*' : char === '?' ? '.' : `\\${char}`));
  return new RegExp(`^${body}$`);
}

/** Checks and normalises a policy before it is stored (CLI and admin API share the rules). */
export function validateRetentionPolicy(input: RetentionPolicyInput): RetentionPolicyInput {
  const target = input.target.trim().replace(/\/+$/, '');
  if (target.includes('/')) {
    try {
      parseRepositoryName(target);
    } catch (error) {
      throw new RetentionPolicyError(`invalid target "${target}": ${(error as Error).message}`);
    }
  } else if (!isValidGroupName(target)) {
    throw new RetentionPolicyError(`invalid target "${target}": a group (myteam) or a repository (myteam/app)`);
  }
  for (const [name, value] of [
    ['keepLast', input.keepLast],
    ['keepDays', input.keepDays],
  ] as const) {
    if (value !== null && (!Number.isInteger(value) || value < 0)) throw new RetentionPolicyError(`${name} must be a whole number ≥ 0`);
  }
  if (input.keepLast === null && input.keepDays === null) {
    throw new RetentionPolicyError('give keepLast and/or keepDays: a policy with neither would delete every unprotected tag');
  }
  const protectedTags = [...new Set(input.protectedTags.map((pattern) => pattern.trim()).filter(Boolean))];
  const bad = protectedTags.find((pattern) => !TAG_GLOB.test(pattern));
  if (bad) throw new RetentionPolicyError(`protected tag pattern "${bad}": tag characters plus * and ? only`);
  return { target, keepLast: input.keepLast, keepDays: input.keepDays, protectedTags };
}

/** The policy for a repository: its own, else the one of the longest parent path (ultimately its group). */
export function policyFor(repository: string, policies: RetentionPolicy[]): RetentionPolicy | null {
  let best: RetentionPolicy | null = null;
  for (const policy of policies) {
    if (repository === policy.target || repository.startsWith(`${policy.target}/`)) {
      if (!best || policy.target.length > best.target.length) best = policy;
    }
  }
  return best;
}

/**
 * Which tags a policy keeps, given the repository's tags newest first. A tag is kept when it
 * matches a protected pattern, is among the `keepLast` newest unprotected tags (protected ones
 * take no slot), was pushed within `keepDays` days, or within the grace period; the rest go.
 */
export function selectTags(
  tags: Array<Pick<TagEntity, 'name' | 'digest' | 'updatedAt'>>,
  policy: Pick<RetentionPolicy, 'keepLast' | 'keepDays' | 'protectedTags'>,
  now: number,
  gracePeriodMs: number,
): { keep: typeof tags; remove: typeof tags } {
  const patterns = policy.protectedTags.map(tagGlob);
  const keep: typeof tags = [];
  const remove: typeof tags = [];
  let unprotected = 0;
  for (const tag of tags) {
    const age = now - tag.updatedAt.getTime();
    if (patterns.some((pattern) => pattern.test(tag.name))) {
      keep.push(tag);
      continue;
    }
    const kept =
      (policy.keepLast !== null && unprotected++ < policy.keepLast) ||
      (policy.keepDays !== null && age < policy.keepDays * DAY) ||
      age < gracePeriodMs;
    (kept ? keep : remove).push(tag);
  }
  return { keep, remove };
}

/**
 * Applies retention policies: deletes the tags a policy does not keep, then the manifests that
 * lost their last tag (unless an index lists them) with their referrers. Blobs are left to the
 * garbage collector's sweep, which runs right after in a GC run.
 *
 * Concurrent pushes: a tag is deleted only if, inside the metadata write, it still points at the
 * manifest the decision saw and was not pushed since; a manifest only if no tag and no index
 * refers to it at that moment. If a push re-creates a tag between its metadata delete and the
 * removal of its tag file, the file is written back from the manifest.
 */
export class RetentionService {
  private readonly store: RetentionStore;

  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
  ) {
    this.store = new RetentionStore(metadata);
  }

  policies(): Promise<RetentionPolicy[]> {
    return this.store.list();
  }

  setPolicy(input: RetentionPolicyInput): Promise<RetentionPolicy> {
    return this.store.upsert(validateRetentionPolicy(input));
  }

  removePolicy(target: string): Promise<boolean> {
    return this.store.remove(target.trim().replace(/\/+$/, ''));
  }

  async apply(options: RetentionOptions = {}): Promise<RetentionReport> {
    const dryRun = options.dryRun ?? false;
    const policies = await this.store.list();
    const report: RetentionReport = { dryRun, policies: policies.length, repositories: [], deletedTags: [], deletedManifests: [] };
    if (policies.length === 0) return report;
    const repositories = (await this.metadata.listRepositories(options.group)).filter((repository) => policyFor(repository.name, policies));
    for (const [index, repository] of repositories.entries()) {
      await this.applyTo(repository, policyFor(repository.name, policies) as RetentionPolicy, dryRun, options.gracePeriodMs ?? HOUR, report);
      options.onProgress?.(index + 1, repositories.length, repository.name);
    }
    return report;
  }

  private async applyTo(repository: RepositoryEntity, policy: RetentionPolicy, dryRun: boolean, gracePeriodMs: number, report: RetentionReport): Promise<void> {
    const listedAt = new Date();
    const tags = await this.store.tagsNewestFirst(repository.id);
    const { keep, remove } = selectTags(tags, policy, listedAt.getTime(), gracePeriodMs);
    const decision: RetentionDecision = { repository: repository.name, policy: policy.target, keptTags: keep.map((tag) => tag.name), deletedTags: [] };
    const orphanCandidates = new Set<string>();
    for (const tag of remove) {
      if (!dryRun && !(await this.store.deleteTagIfUnchanged(repository.id, tag.name, tag.digest, listedAt))) continue;
      if (!dryRun) await this.removeTagFile(repository, tag.name);
      decision.deletedTags.push({ tag: tag.name, digest: tag.digest });
      report.deletedTags.push({ repository: repository.name, tag: tag.name, digest: tag.digest });
      orphanCandidates.add(tag.digest);
    }
    report.repositories.push(decision);
    if (orphanCandidates.size === 0) return;

    const stillTagged = new Set(keep.map((tag) => tag.digest));
    const manifests = await this.metadata.manifestsOf(repository.id);
    const digestOfId = new Map(manifests.map((manifest) => [manifest.id, manifest.digest]));
    const references = await this.metadata.referencesOf(manifests.map((manifest) => manifest.id));
    // index → children and child → indexes listing it
    const childrenOf = new Map<string, string[]>();
    const parentsOf = new Map<string, string[]>();
    for (const reference of references) {
      if (reference.kind !== 'manifest') continue;
      const parent = digestOfId.get(reference.manifestId) as string;
      childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), reference.digest]);
      parentsOf.set(reference.digest, [...(parentsOf.get(reference.digest) ?? []), parent]);
    }
    const doomed = new Set<string>();
    const pending = [...orphanCandidates];
    while (pending.length > 0) {
      const digest = pending.shift() as string;
      if (doomed.has(digest)) continue;
      const deleted = dryRun
        ? !stillTagged.has(digest) && (parentsOf.get(digest) ?? []).every((parent) => doomed.has(parent))
        : await this.store.deleteManifestIfUnreferenced(repository.id, digest);
      if (!deleted) continue;
      doomed.add(digest);
      if (!dryRun) await this.removeFile(storageLayout.manifest(repository.name, digest));
      report.deletedManifests.push({ repository: repository.name, digest });
      // The images of a deleted index, and the signatures, SBOMs and other referrers of what goes,
      // go with it (unless tagged or listed elsewhere: checked when their turn comes).
      pending.push(...(childrenOf.get(digest) ?? []));
      for (const referrer of manifests.filter((manifest) => manifest.subjectDigest === digest)) pending.push(referrer.digest);
    }
  }

  private async removeTagFile(repository: RepositoryEntity, tag: string): Promise<void> {
    await this.removeFile(storageLayout.tag(repository.name, tag));
    // A push of the same tag may have landed between the metadata delete and the file removal.
    const pushedAgain = await this.metadata.findTag(repository.id, tag);
    if (pushedAgain) {
      const bytes = await this.storage.readFile(storageLayout.manifest(repository.name, pushedAgain.digest));
      await this.storage.writeFile(storageLayout.tag(repository.name, tag), bytes);
    }
  }

  private async removeFile(path: string): Promise<void> {
    await this.storage.delete(path).catch((error) => {
      if (!isStorageError(error, 'NotFound')) throw error;
    });
  }
}
