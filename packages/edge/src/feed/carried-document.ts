import type { SignedDocument } from '@berth/core';

/**
 * The signed document a transport message carries. Text that is not one still becomes a document,
 * one that fails verification, so the route state records it as what it is (a bad document in the
 * feed, handled like a gap) instead of the transport silently dropping it.
 */
export function carriedDocument(text: string): SignedDocument {
  try {
    const parsed = JSON.parse(text) as Partial<SignedDocument> | null;
    if (typeof parsed?.body === 'string' && typeof parsed.signature === 'string') return { body: parsed.body, signature: parsed.signature, keyId: String(parsed.keyId ?? '') };
  } catch {
    // Falls through.
  }
  return { body: text, signature: '', keyId: '' };
}
