/**
 * Where bytes live on storage (the original Refity layout):
 *   registry/<group>/<repo...>/blobs/<digest>
 *   registry/<group>/<repo...>/manifests/<digest>   (the manifest bytes)
 *   registry/<group>/<repo...>/manifests/<tag>      (a copy of the tagged manifest's bytes)
 *   uploads/<session id>   (synchronous mode: an upload streamed to storage while it arrives,
 *                           moved to its blob path once its digest is verified)
 */
export const storageLayout = {
  root: 'registry',
  group: (group: string) => `registry/${group}`,
  repository: (name: string) => `registry/${name}`,
  blobs: (name: string) => `registry/${name}/blobs`,
  blob: (name: string, digest: string) => `registry/${name}/blobs/${digest}`,
  manifests: (name: string) => `registry/${name}/manifests`,
  manifest: (name: string, digest: string) => `registry/${name}/manifests/${digest}`,
  tag: (name: string, tag: string) => `registry/${name}/manifests/${tag}`,
  uploads: 'uploads',
  upload: (id: string) => `uploads/${id}`,
};
