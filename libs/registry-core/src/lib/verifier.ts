import { createHash } from 'node:crypto';
import { isValidDigest, parseDigest } from '@refity/digest';
import { MetadataStore } from '@refity/metadata';
import { isStorageError, StorageDriver } from '@refity/storage-api';
import { storageLayout } from './layout';

export type VerifiedKind = 'manifest' | 'tag' | 'blob';

export interface VerifyProblem {
  repository: string;
  kind: VerifiedKind;
  /** The digest (manifest, blob) or tag name checked. */
  reference: string;
  path: string;
  problem: 'missing' | 'digest-mismatch' | 'size-mismatch' | 'unreadable';
  detail: string;
}

export interface VerifyProgress {
  doneFiles: number;
  totalFiles: number;
  doneBytes: number;
  totalBytes: number;
  /** The file being hashed. */
  path: string;
}

export interface VerifyOptions {
  group?: string;
  /** Called before each file and after every chunk hashed. */
  onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyReport {
  repositories: number;
  manifests: number;
  tags: number;
  blobs: number;
  /** Bytes read and hashed. */
  bytes: number;
  problems: VerifyProblem[];
}

interface Check {
  repository: string;
  kind: VerifiedKind;
  reference: string;
  path: string;
  /** What the content must hash to. */
  digest: string;
  /** Expected size, when known (manifests and descriptors say it). */
  size: number;
}

/**
 * Checks storage against metadata: every manifest file and tag file hashes to its manifest's
 * digest, and every blob a manifest references (config, layers) exists and hashes to its digest
 * with the size its descriptor states. Files are streamed through the hash, never buffered.
 */
export class Verifier {
  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
  ) {}

  async run(options: VerifyOptions = {}): Promise<VerifyReport> {
    const repositories = await this.metadata.listRepositories(options.group);
    const checks: Check[] = [];
    const report: VerifyReport = { repositories: repositories.length, manifests: 0, tags: 0, blobs: 0, bytes: 0, problems: [] };
    for (const repository of repositories) {
      const manifests = await this.metadata.manifestsOf(repository.id);
      const byDigest = new Map(manifests.map((manifest) => [manifest.digest, manifest]));
      for (const manifest of manifests) {
        checks.push({ repository: repository.name, kind: 'manifest', reference: manifest.digest, path: storageLayout.manifest(repository.name, manifest.digest), digest: manifest.digest, size: manifest.size });
      }
      for (const tag of await this.metadata.tagsOfRepository(repository.id)) {
        const size = byDigest.get(tag.digest)?.size ?? -1;
        checks.push({ repository: repository.name, kind: 'tag', reference: tag.name, path: storageLayout.tag(repository.name, tag.name), digest: tag.digest, size });
      }
      const blobs = new Map<string, number>();
      for (const reference of await this.metadata.referencesOf(manifests.map((manifest) => manifest.id))) {
        if (reference.kind === 'config' || reference.kind === 'layer') blobs.set(reference.digest, reference.size);
      }
      for (const [digest, size] of [...blobs].sort(([a], [b]) => a.localeCompare(b))) {
        checks.push({ repository: repository.name, kind: 'blob', reference: digest, path: storageLayout.blob(repository.name, digest), digest, size });
      }
    }

    const progress: VerifyProgress = {
      doneFiles: 0,
      totalFiles: checks.length,
      doneBytes: 0,
      totalBytes: checks.reduce((sum, check) => sum + Math.max(check.size, 0), 0),
      path: '',
    };
    for (const check of checks) {
      progress.path = check.path;
      options.onProgress?.({ ...progress });
      const before = progress.doneBytes;
      const problem = await this.check(check, (bytes) => {
        progress.doneBytes += bytes;
        options.onProgress?.({ ...progress });
      });
      report.bytes += progress.doneBytes - before;
      // Keep the bar honest when a file was shorter, longer or missing.
      progress.doneBytes = before + Math.max(check.size, 0);
      progress.doneFiles++;
      report[check.kind === 'manifest' ? 'manifests' : check.kind === 'tag' ? 'tags' : 'blobs']++;
      if (problem) report.problems.push(problem);
    }
    options.onProgress?.({ ...progress, path: '' });
    return report;
  }

  private async check(check: Check, onBytes: (bytes: number) => void): Promise<VerifyProblem | null> {
    const problem = (kind: VerifyProblem['problem'], detail: string): VerifyProblem => ({
      repository: check.repository,
      kind: check.kind,
      reference: check.reference,
      path: check.path,
      problem: kind,
      detail,
    });
    if (!isValidDigest(check.digest)) return problem('digest-mismatch', `metadata holds an invalid digest ${check.digest}`);
    const algorithm = parseDigest(check.digest).algorithm;
    const hash = createHash(algorithm);
    let size = 0;
    try {
      const stream = await this.storage.createReadStream(check.path);
      for await (const chunk of stream) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        size += bytes.length;
        onBytes(bytes.length);
      }
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return problem('missing', 'not on storage');
      return problem('unreadable', (error as Error).message);
    }
    const actual = `${algorithm}:${hash.digest('hex')}`;
    if (actual !== check.digest) return problem('digest-mismatch', `content hashes to ${actual}, expected ${check.digest}`);
    if (check.size >= 0 && size !== check.size) return problem('size-mismatch', `${size} bytes, expected ${check.size}`);
    return null;
  }
}
