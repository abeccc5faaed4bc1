import { readBodyLimited } from '../core/index.ts';
import { ApiError, badRequest } from './api-error.ts';

const tooLarge = (limit: number) => new ApiError(413, 'payload_too_large', `Request body exceeds the limit of ${limit} bytes`);

/**
 * Reads a JSON object body with a hard size limit: a declared `Content-Length` over the limit is
 * refused before reading, and a chunked body is cut off as soon as it passes the limit. An
 * empty body reads as `{}`; anything but a JSON object is a 400, a non-JSON media type a 415.
 */
export async function readJsonBody(req: Request, limit: number): Promise<Record<string, unknown>> {
  const text = await readBodyLimited(req, limit);
  if (text === undefined) throw tooLarge(limit);
  if (text.length === 0) return {};
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Invalid JSON body: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Typed field readers that name the field in their 400. */
export const field = {
  string(body: Record<string, unknown>, name: string, options: { required?: boolean; max?: number } = {}): string | undefined {
    const v = body[name];
    if (v === undefined || v === null) {
      if (options.required) throw badRequest(`${name} is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
    if (options.required && v.length === 0) throw badRequest(`${name} must not be empty`);
    if (options.max !== undefined && v.length > options.max) throw badRequest(`${name} must be at most ${options.max} characters`);
    return v;
  },
  boolean(body: Record<string, unknown>, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw badRequest(`${name} must be a boolean`);
    return v;
  },
  stringArray(body: Record<string, unknown>, name: string): string[] | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${name} must be an array of strings`);
    return v as string[];
  },
  /** A `params` value: a string (JSON object or `K=v ...`) or an object of string values. */
  params(body: Record<string, unknown>, name: string): string | Record<string, string> | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
    throw badRequest(`${name} must be a string or an object of string values`);
  },
};
