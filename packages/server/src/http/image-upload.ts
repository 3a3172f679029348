/**
 * Image uploads (profile images, organization logos): a multipart body with a `file` field, its type
 * recognised by content, never by what the client declares.
 */
import type { Context } from 'hono';
import { ApiError } from '../errors.js';

const IMAGE_TYPES: Record<string, (b: Uint8Array) => boolean> = {
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46,
  'image/webp': (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45,
};

/** The image's real type from its first bytes; the declared type is not trusted (no SVG, no HTML). */
function sniffImage(bytes: Uint8Array): string | null {
  for (const [type, test] of Object.entries(IMAGE_TYPES)) if (test(bytes)) return type;
  return null;
}

/**
 * An `application/octet-stream` body as the browser SDK sends `setProfileImage({ file: string })`: a
 * base64 string or `data:` URL, or the image bytes themselves.
 */
function octetImage(body: Uint8Array): Uint8Array {
  const text = new TextDecoder('latin1').decode(body.subarray(0, 64)).trimStart();
  const all = () => new TextDecoder('latin1').decode(body).trim();
  if (/^data:[^,]{0,100};base64,/i.test(text)) return Buffer.from(all().replace(/^data:[^,]*,/i, ''), 'base64');
  if (/^[A-Za-z0-9+/=\s_-]+$/.test(text) && /^[A-Za-z0-9+/=\s_-]+$/.test(all())) return Buffer.from(all(), 'base64');
  return body;
}

/**
 * Reads an image upload: multipart with a `file` field, or (with `octetStream`, the Frontend API) an
 * `application/octet-stream` body. The type is recognized by content; throws coded errors.
 */
export async function readImageUpload(c: Context, opts: { octetStream?: boolean } = {}): Promise<{ bytes: Uint8Array; contentType: string }> {
  const type = c.req.header('content-type') ?? '';
  if (opts.octetStream && /^application\/octet-stream/i.test(type)) {
    const bytes = octetImage(new Uint8Array(await c.req.arrayBuffer()));
    const contentType = sniffImage(bytes);
    if (!contentType) throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'The body must be a PNG, JPEG, GIF or WebP image (or its base64).', paramName: 'file' });
    return { bytes, contentType };
  }
  if (!/^multipart\/form-data/i.test(type)) {
    throw ApiError.of('unsupported_content_type', 'Upload the image as multipart/form-data with a "file" field.');
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw ApiError.of('request_body_invalid', 'The multipart body could not be parsed.');
  }
  const file = form.get('file');
  if (!(file instanceof Blob)) {
    throw new ApiError({ code: 'form_param_missing', longMessage: 'file must be included.', paramName: 'file' });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const contentType = sniffImage(bytes);
  if (!contentType) {
    throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'file must be a PNG, JPEG, GIF or WebP image.', paramName: 'file' });
  }
  return { bytes, contentType };
}
