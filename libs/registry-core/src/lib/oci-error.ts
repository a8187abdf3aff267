/** Error codes of the OCI distribution spec (plus UNAVAILABLE from the Docker registry API). */
export type OciErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'RANGE_INVALID'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

/** An error a client caused or must know about, answered as `{"errors":[{code,message,detail}]}`. */
export class OciError extends Error {
  constructor(
    readonly status: number,
    readonly code: OciErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'OciError';
  }

  toBody(): { errors: Array<{ code: OciErrorCode; message: string; detail?: unknown }> } {
    return { errors: [{ code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) }] };
  }
}

export const ociErrors = {
  blobUnknown: (digest: string) => new OciError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest }),
  uploadUnknown: (id: string) => new OciError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { id }),
  uploadInvalid: (reason: string) => new OciError(400, 'BLOB_UPLOAD_INVALID', `blob upload invalid: ${reason}`),
  digestInvalid: (reason: string, detail?: unknown) => new OciError(400, 'DIGEST_INVALID', `provided digest did not match uploaded content: ${reason}`, detail),
  manifestUnknown: (reference: string) => new OciError(404, 'MANIFEST_UNKNOWN', 'manifest unknown', { reference }),
  manifestInvalid: (reason: string) => new OciError(400, 'MANIFEST_INVALID', `manifest invalid: ${reason}`),
  manifestBlobUnknown: (digest: string) => new OciError(400, 'MANIFEST_BLOB_UNKNOWN', `manifest references an unknown blob or manifest: ${digest}`, { digest }),
  nameInvalid: (name: string, reason: string) => new OciError(400, 'NAME_INVALID', `invalid repository name: ${reason}`, { name }),
  nameUnknown: (name: string, message = 'repository name not known to registry') => new OciError(404, 'NAME_UNKNOWN', message, { name }),
  tagInvalid: (tag: string) => new OciError(400, 'MANIFEST_INVALID', `invalid tag "${tag}"`, { tag }),
  sizeInvalid: (reason: string) => new OciError(400, 'SIZE_INVALID', `size invalid: ${reason}`),
  unsupported: (reason: string) => new OciError(405, 'UNSUPPORTED', `the operation is unsupported: ${reason}`),
  rangeNotSatisfiable: (reason: string) => new OciError(416, 'RANGE_INVALID', `requested range not satisfiable: ${reason}`),
  unavailable: (reason: string) => new OciError(503, 'UNAVAILABLE', `storage unavailable: ${reason}`),
};
