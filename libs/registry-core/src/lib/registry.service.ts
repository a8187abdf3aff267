import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestOf, digestsEqual, InvalidDigestError, isValidDigest, parseDigest } from '@refity/digest';
import { ManifestEntity, MetadataStore, recordFinishedUpload, recordManifest, RepositoryEntity } from '@refity/metadata';
import { ByteRange, isStorageError, StorageDriver, StorageWriter } from '@refity/storage-api';
import { storageLayout } from './layout';
import { acceptedManifestTypes, defaultPlatformEntry, isIndexMediaType, parseManifest } from './manifest';
import { isValidTag, parseRepositoryName } from './names';
import { OciError, ociErrors } from './oci-error';
import { UploadBuffer } from './upload-buffer';
import { WriteBehindStorage } from './write-behind-storage';

export interface RegistrySettings {
  autoCreateGroups: boolean;
  maxManifestBytes: number;
  uploadsDir: string;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface UploadStatus {
  id: string;
  name: string;
  /** Bytes received so far. */
  offset: number;
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  size: number;
  subjectDigest: string | null;
}

function storedManifest({ digest, mediaType, size, subjectDigest }: ManifestEntity): StoredManifest {
  return { digest, mediaType, size, subjectDigest };
}

function validDigest(value: string | undefined, what = 'digest'): string {
  if (!value) throw ociErrors.digestInvalid(`${what} missing`);
  try {
    return parseDigest(value).value;
  } catch (error) {
    if (error instanceof InvalidDigestError) throw new OciError(400, 'DIGEST_INVALID', error.message, { digest: value });
    throw error;
  }
}

/** A staged upload nobody appended to for this long is dropped (its bytes stay in the local buffer). */
const STAGED_IDLE_MS = 60_000;

/**
 * Synchronous mode: an upload's bytes streamed to storage (`uploads/<id>`) while they arrive,
 * so the copy to SFTP overlaps the receive instead of following it at PUT.
 */
interface StagedUpload {
  writer: StorageWriter;
  /** Bytes written to `writer`; staging is used only while this equals the session's offset. */
  offset: number;
  broken: boolean;
  idle?: NodeJS.Timeout;
}

/** Rethrows storage errors as spec-shaped ones; a lost SFTP connection is a 503, not a 500. */
function storageFailure(error: unknown, notFound: () => OciError): never {
  if (isStorageError(error, 'NotFound')) throw notFound();
  if (isStorageError(error, 'Unavailable')) throw ociErrors.unavailable(error.message);
  throw error;
}

/**
 * The OCI distribution operations, independent of HTTP: the registry app maps routes onto these.
 * Bytes go to the storage driver; what exists is answered from metadata.
 */
export class RegistryService {
  readonly uploads: UploadBuffer;
  private readonly staged = new Map<string, StagedUpload>();

  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly settings: RegistrySettings,
  ) {
    // Asynchronous mode queues the finished buffer itself, local storage adopts it as the blob and
    // a read cache keeps it (hard link), so there it must reach the disk; otherwise it is only a
    // staging copy. Flushed while it streams in, it costs the PUT little.
    this.uploads = new UploadBuffer(settings.uploadsDir, this.buffersBecomeBlobs || this.storage.admitLocalCopy !== undefined);
  }

  /** The verified upload buffer itself is stored (queued, or renamed into local storage), never copied. */
  private get buffersBecomeBlobs(): boolean {
    return this.storage instanceof WriteBehindStorage || this.storage.adoptLocalFile !== undefined;
  }

  // Repositories

  /** The repository for a read; NAME_UNKNOWN when it does not exist. */
  async repositoryForRead(name: string): Promise<RepositoryEntity> {
    parseRepositoryName(name);
    const repository = await this.metadata.findRepository(name);
    if (!repository) throw ociErrors.nameUnknown(name);
    return repository;
  }

  /** The repository for a push, created on first push; its group must exist unless auto-creation is on. */
  async repositoryForWrite(name: string): Promise<RepositoryEntity> {
    const { group } = parseRepositoryName(name);
    const existing = await this.metadata.findRepository(name);
    if (existing) return existing;
    let groupEntity = await this.metadata.findGroup(group);
    if (!groupEntity) {
      if (!this.settings.autoCreateGroups) {
        throw ociErrors.nameUnknown(name, `group ${group} does not exist; create it in the console`);
      }
      groupEntity = await this.metadata.ensureGroup(group);
    }
    return this.metadata.ensureRepository(name, groupEntity.id);
  }

  async catalog(last: string | undefined, limit: number): Promise<string[]> {
    return this.metadata.listRepositoryNames(last, limit);
  }

  async tags(name: string, last: string | undefined, limit: number): Promise<string[]> {
    const repository = await this.repositoryForRead(name);
    return this.metadata.listTags(repository.id, last, limit);
  }

  // Blobs

  async statBlob(name: string, digestValue: string): Promise<BlobInfo> {
    const digest = validDigest(digestValue);
    const repository = await this.repositoryForRead(name);
    const blob = await this.metadata.findBlob(repository.id, digest);
    if (!blob) throw ociErrors.blobUnknown(digest);
    return { digest, size: blob.size };
  }

  async openBlob(name: string, digest: string, range?: ByteRange): Promise<Readable> {
    const transferEnded = this.clientTransferStarted();
    try {
      const stream = await this.storage.createReadStream(storageLayout.blob(name, digest), range);
      stream.once('close', transferEnded);
      return stream;
    } catch (error) {
      transferEnded();
      storageFailure(error, () => ociErrors.blobUnknown(digest));
    }
  }

  /** Asynchronous mode: background uploads wait while a client's bytes stream in or out. Returns the end marker. */
  private clientTransferStarted(): () => void {
    return this.storage instanceof WriteBehindStorage ? this.storage.clientTransferStarted() : () => undefined;
  }

  async deleteBlob(name: string, digestValue: string): Promise<void> {
    const digest = validDigest(digestValue);
    const repository = await this.repositoryForRead(name);
    if (!(await this.metadata.deleteBlob(repository.id, digest))) throw ociErrors.blobUnknown(digest);
    await this.storage.delete(storageLayout.blob(name, digest)).catch((error) => {
      if (!isStorageError(error, 'NotFound')) storageFailure(error, () => ociErrors.blobUnknown(digest));
    });
  }

  /** Cross-repository mount: true when `from` holds the blob and it now exists in `name` too. */
  async mountBlob(name: string, digestValue: string, from: string): Promise<boolean> {
    const digest = validDigest(digestValue);
    parseRepositoryName(from);
    const source = await this.metadata.findRepository(from);
    const blob = source && (await this.metadata.findBlob(source.id, digest));
    if (!source || !blob) return false;
    const target = await this.repositoryForWrite(name);
    if (await this.metadata.findBlob(target.id, digest)) return true;
    try {
      await this.storage.linkOrCopy(storageLayout.blob(from, digest), storageLayout.blob(name, digest));
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return false;
      storageFailure(error, () => ociErrors.blobUnknown(digest));
    }
    await this.metadata.recordBlob(target.id, digest, blob.size);
    return true;
  }

  // Uploads

  async startUpload(name: string): Promise<UploadStatus> {
    await this.repositoryForWrite(name);
    const id = randomUUID();
    await this.uploads.create(id);
    await this.metadata.createUploadSession(id, name);
    return { id, name, offset: 0 };
  }

  async uploadStatus(name: string, id: string): Promise<UploadStatus> {
    const session = /^[0-9a-f-]{36}$/.test(id) ? await this.metadata.findUploadSession(id) : null;
    if (!session || session.repositoryName !== name) throw ociErrors.uploadUnknown(id);
    return { id, name, offset: session.offset };
  }

  /**
   * Appends a chunk. `range` is the request's Content-Range (inclusive); when given, it must
   * start where the upload stands (else 416). `length` is Content-Length when known.
   */
  async appendChunk(name: string, id: string, body: Readable, range?: { start: number; end: number }, length?: number): Promise<UploadStatus> {
    const status = await this.uploadStatus(name, id);
    if (range) {
      if (range.start !== status.offset || range.end < range.start) {
        throw ociErrors.rangeNotSatisfiable(`upload is at offset ${status.offset}, chunk starts at ${range.start}`);
      }
      if (length !== undefined && length !== range.end - range.start + 1) {
        throw ociErrors.rangeNotSatisfiable(`Content-Range covers ${range.end - range.start + 1} bytes but Content-Length is ${length}`);
      }
    }
    const limit = range ? range.end - range.start + 1 : length;
    let offset: number;
    const received = this.clientTransferStarted();
    const staged = await this.stagingFor(id, status.offset);
    try {
      offset = await this.uploads.append(id, status.offset, body, limit, staged && ((chunk) => this.mirror(staged, chunk)));
    } catch (error) {
      await this.discardStaged(id);
      if (error instanceof RangeError) throw ociErrors.sizeInvalid(error.message);
      return this.lostBuffer(id, error);
    } finally {
      received();
    }
    if (range && offset !== range.end + 1) {
      await this.discardStaged(id);
      await this.uploads.append(id, status.offset, Readable.from([]));
      throw ociErrors.sizeInvalid(`chunk ended at ${offset} but Content-Range said ${range.end + 1}`);
    }
    await this.metadata.setUploadOffset(id, offset);
    if (staged) {
      staged.offset = offset;
      staged.idle = setTimeout(() => void this.discardStaged(id), STAGED_IDLE_MS).unref();
    }
    return { ...status, offset };
  }

  /**
   * Synchronous mode: the storage writer that mirrors this session's bytes, opened with its
   * first chunk. None in asynchronous mode (the buffer itself is queued), after a restart or a
   * retried chunk (the PUT then copies the local buffer), or when storage cannot be reached now.
   */
  private async stagingFor(id: string, offset: number): Promise<StagedUpload | undefined> {
    if (this.buffersBecomeBlobs) return undefined;
    const existing = this.staged.get(id);
    if (existing && !existing.broken && existing.offset === offset) {
      clearTimeout(existing.idle);
      return existing;
    }
    await this.discardStaged(id);
    if (offset !== 0) return undefined;
    let writer: StorageWriter;
    try {
      writer = await this.storage.createWriter(storageLayout.upload(id));
    } catch {
      return undefined;
    }
    const staged: StagedUpload = { writer, offset: 0, broken: false };
    writer.stream.on('error', () => (staged.broken = true));
    this.staged.set(id, staged);
    return staged;
  }

  /** Writes a chunk to the staged copy; storage trouble only ends the staging, never the upload. */
  private mirror(staged: StagedUpload, chunk: Buffer): Promise<void> | undefined {
    const stream = staged.writer.stream;
    if (staged.broken || stream.destroyed) {
      staged.broken = true;
      return undefined;
    }
    if (stream.write(chunk)) return undefined;
    return new Promise((resolve) => {
      const ready = () => {
        stream.off('drain', ready);
        stream.off('close', ready);
        resolve();
      };
      stream.on('drain', ready);
      stream.on('close', ready);
    });
  }

  /**
   * A session whose local buffer is gone (a crash right after local storage adopted it as the
   * blob, or DATA_DIR/uploads emptied by hand) cannot go on: it ends, and the client starts over.
   */
  private async lostBuffer(id: string, error: unknown): Promise<never> {
    if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
    await this.metadata.finishUpload(id, null);
    throw ociErrors.uploadUnknown(id);
  }

  /** Drops a staged copy: its temporary file on storage is removed. */
  private async discardStaged(id: string): Promise<void> {
    const staged = this.staged.get(id);
    if (!staged) return;
    this.staged.delete(id);
    clearTimeout(staged.idle);
    await staged.writer.abort().catch(() => undefined);
  }

  /** Finishes an upload: verifies the digest of everything received, then stores the blob. */
  async completeUpload(name: string, id: string, digestValue: string | undefined): Promise<BlobInfo> {
    const status = await this.uploadStatus(name, id);
    const digest = validDigest(digestValue);
    // Asynchronous mode queues the buffer itself once it is on disk (its flush began when the body ended).
    const synced = this.storage instanceof WriteBehindStorage ? this.uploads.sync(id).then(() => true, () => false) : undefined;
    const actual = await this.uploads.digest(id, parseDigest(digest).algorithm).catch((error: unknown) => this.lostBuffer(id, error));
    if (!digestsEqual(actual, digest)) {
      await this.discardStaged(id);
      throw ociErrors.digestInvalid(`expected ${digest}, got ${actual}`, { expected: digest, actual });
    }
    const repository = await this.repositoryForWrite(name);
    const size = status.offset;
    const blob = (await this.metadata.findBlob(repository.id, digest)) ? null : { repositoryId: repository.id, digest, size };
    try {
      if (blob && this.storage instanceof WriteBehindStorage) {
        // Asynchronous mode: the verified buffer itself becomes the queued upload, and its job
        // row, the blob record and the session's end commit together.
        await this.storage.adoptFile(storageLayout.blob(name, digest), this.uploads.pathOf(id), size, (manager) => recordFinishedUpload(manager, id, blob), await synced);
      } else {
        if (blob) await this.storeBlob(name, id, digest, size);
        else await this.discardStaged(id);
        await this.metadata.finishUpload(id, blob);
        // A read cache may keep the verified buffer (a hard link) instead of reading SFTP on the next pull.
        if (blob) await this.storage.admitLocalCopy?.(storageLayout.blob(name, digest), this.uploads.pathOf(id));
      }
    } catch (error) {
      storageFailure(error, () => ociErrors.uploadUnknown(id));
    }
    await this.uploads.remove(id);
    return { digest, size };
  }

  /**
   * Synchronous mode: local storage renames the buffer into place; SFTP moves the staged copy into
   * place when it holds exactly the verified bytes; otherwise (or if that fails) the local buffer
   * is streamed to storage.
   */
  private async storeBlob(name: string, id: string, digest: string, size: number): Promise<void> {
    if (this.storage.adoptLocalFile) {
      // Local storage: the flushed, verified buffer is renamed into place as the blob.
      await this.uploads.sync(id);
      if (await this.storage.adoptLocalFile(storageLayout.blob(name, digest), this.uploads.pathOf(id))) return;
    }
    const staged = this.staged.get(id);
    this.staged.delete(id);
    if (staged) {
      clearTimeout(staged.idle);
      if (!staged.broken && staged.offset === size) {
        try {
          await staged.writer.commit();
        } catch {
          return this.storeBuffer(name, id, digest);
        }
        try {
          await this.storage.move(storageLayout.upload(id), storageLayout.blob(name, digest));
          return;
        } catch {
          await this.storage.delete(storageLayout.upload(id)).catch(() => undefined);
        }
      } else {
        await staged.writer.abort().catch(() => undefined);
      }
    }
    await this.storeBuffer(name, id, digest);
  }

  /** Streams a verified upload buffer to storage under a temporary name, then commits it. */
  private async storeBuffer(name: string, id: string, digest: string): Promise<void> {
    const writer = await this.storage.createWriter(storageLayout.blob(name, digest));
    try {
      await pipeline(this.uploads.open(id), writer.stream);
      await writer.commit();
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
  }

  async cancelUpload(name: string, id: string): Promise<void> {
    await this.uploadStatus(name, id);
    await this.discardStaged(id);
    await this.metadata.deleteUploadSession(id);
    await this.uploads.remove(id);
  }

  // Manifests

  /** Resolves a tag or digest to the stored manifest. */
  async findManifest(name: string, reference: string): Promise<StoredManifest> {
    const repository = await this.repositoryForRead(name);
    const manifest = await this.lookupManifest(repository, reference);
    if (!manifest) throw ociErrors.manifestUnknown(reference);
    return storedManifest(manifest);
  }

  /**
   * The manifest a /v2 GET or HEAD answers with, after the client's Accept header: a manifest list
   * or OCI index fetched by tag by a client that names manifest types but not the list's is
   * answered with the list's linux/amd64 manifest, as Docker's manifest-list spec asks (its own
   * stored bytes and digest; nothing is rewritten). Everything else is served as stored, whatever
   * Accept says. A malformed tag is a 404 MANIFEST_UNKNOWN here, like any tag that does not exist
   * (no manifest can be pushed under one; the OCI conformance suite expects it), not a 400.
   */
  async negotiateManifest(name: string, reference: string, accept: string | string[] | undefined): Promise<StoredManifest> {
    const repository = await this.repositoryForRead(name);
    const byTag = !reference.includes(':');
    const manifest = byTag && !isValidTag(reference) ? null : await this.lookupManifest(repository, reference);
    if (!manifest) throw ociErrors.manifestUnknown(reference);
    const accepted = byTag && isIndexMediaType(manifest.mediaType) ? acceptedManifestTypes(accept) : undefined;
    if (!accepted || accepted.has(manifest.mediaType)) return storedManifest(manifest);
    const entry = defaultPlatformEntry(await this.readManifest(name, manifest.digest));
    const child = entry && accepted.has(entry.mediaType) && isValidDigest(entry.digest) ? await this.metadata.findManifest(repository.id, entry.digest) : null;
    return storedManifest(child && accepted.has(child.mediaType) ? child : manifest);
  }

  private async lookupManifest(repository: RepositoryEntity, reference: string): Promise<ManifestEntity | null> {
    if (reference.includes(':')) return this.metadata.findManifest(repository.id, validDigest(reference));
    if (!isValidTag(reference)) throw ociErrors.tagInvalid(reference);
    const tag = await this.metadata.findTag(repository.id, reference);
    return tag ? this.metadata.findManifest(repository.id, tag.digest) : null;
  }

  async readManifest(name: string, digest: string): Promise<Buffer> {
    try {
      return await this.storage.readFile(storageLayout.manifest(name, digest));
    } catch (error) {
      storageFailure(error, () => ociErrors.manifestUnknown(digest));
    }
  }

  /** Stores a manifest by digest and, when `reference` is a tag, under that tag. */
  async putManifest(name: string, reference: string, body: Buffer, contentType: string | undefined): Promise<StoredManifest> {
    parseRepositoryName(name);
    const byDigest = reference.includes(':');
    if (!byDigest && !isValidTag(reference)) throw ociErrors.tagInvalid(reference);
    if (body.length > this.settings.maxManifestBytes) {
      throw new OciError(413, 'SIZE_INVALID', `manifest larger than ${this.settings.maxManifestBytes} bytes`);
    }
    const parsed = parseManifest(body, contentType);
    const algorithm = byDigest ? parseDigest(validDigest(reference)).algorithm : 'sha256';
    const digest = digestOf(body, algorithm);
    if (byDigest && !digestsEqual(digest, reference)) {
      throw ociErrors.digestInvalid(`manifest digest is ${digest}, not ${reference}`, { expected: reference, actual: digest });
    }
    const repository = await this.repositoryForWrite(name);
    const required = { blobs: parsed.requiredBlobs, manifests: parsed.requiredManifests };
    const record = { ...parsed.record, digest, size: body.length };
    const tag = byDigest ? undefined : reference;
    const files = [storageLayout.manifest(name, digest), ...(tag === undefined ? [] : [storageLayout.tag(name, tag)])].map((path) => ({ path, data: body }));
    if (this.storage instanceof WriteBehindStorage) {
      // Asynchronous mode: the files' job rows and the manifest's metadata commit together, so a
      // refused manifest (a blob missing) leaves no queued file behind and needs no check first.
      await this.storage.writeFilesTogether(files, async (manager) => {
        const missing = await recordManifest(manager, repository.id, record, tag, required);
        if (missing) throw ociErrors.manifestBlobUnknown(missing);
      });
    } else {
      // Checked before writing bytes (no orphan files for a refused push) and again inside the metadata write.
      const blobs = await this.metadata.presentBlobs(repository.id, required.blobs);
      const manifests = await this.metadata.presentManifests(repository.id, required.manifests);
      const missing = required.blobs.find((digest) => !blobs.has(digest)) ?? required.manifests.find((digest) => !manifests.has(digest));
      if (missing) throw ociErrors.manifestBlobUnknown(missing);

      // Bytes first, metadata last: a manifest is never listed before its file exists.
      try {
        await Promise.all(files.map(({ path, data }) => this.storage.writeFile(path, data)));
      } catch (error) {
        storageFailure(error, () => ociErrors.manifestUnknown(reference));
      }
      const missingAtWrite = await this.metadata.putManifest(repository.id, record, tag, required);
      if (missingAtWrite) throw ociErrors.manifestBlobUnknown(missingAtWrite);
    }
    return { digest, mediaType: parsed.record.mediaType, size: body.length, subjectDigest: parsed.record.subjectDigest };
  }

  /** DELETE by digest removes the manifest and its tags; by tag removes only the tag. */
  async deleteManifest(name: string, reference: string): Promise<void> {
    const repository = await this.repositoryForRead(name);
    const removeFile = (path: string) =>
      this.storage.delete(path).catch((error) => {
        if (!isStorageError(error, 'NotFound')) storageFailure(error, () => ociErrors.manifestUnknown(reference));
      });
    if (!reference.includes(':')) {
      if (!isValidTag(reference)) throw ociErrors.tagInvalid(reference);
      if (!(await this.metadata.deleteTag(repository.id, reference))) throw ociErrors.manifestUnknown(reference);
      await removeFile(storageLayout.tag(name, reference));
      return;
    }
    const digest = validDigest(reference);
    const removedTags = await this.metadata.deleteManifest(repository.id, digest);
    if (removedTags === null) throw ociErrors.manifestUnknown(reference);
    for (const tag of removedTags) await removeFile(storageLayout.tag(name, tag));
    await removeFile(storageLayout.manifest(name, digest));
  }

  /** OCI 1.1 referrers: descriptors of the manifests whose subject is `digest`. */
  async referrers(name: string, digestValue: string, artifactType?: string) {
    const digest = validDigest(digestValue);
    parseRepositoryName(name);
    const repository = await this.metadata.findRepository(name);
    const manifests = repository ? await this.metadata.referrers(repository.id, digest, artifactType) : [];
    return manifests.map((manifest) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
      ...(manifest.annotations ? { annotations: JSON.parse(manifest.annotations) as Record<string, string> } : {}),
    }));
  }
}
