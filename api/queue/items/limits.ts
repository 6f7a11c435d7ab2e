// The caps on adding work items, shared by every way in (the API's bulk add, the queueAdd step). No
// imports: the workflow schema (api/v1alpha1) reads them too.

/** Most items one call adds (one statement; the API's bulk limit). */
export const MAX_ITEMS_PER_CALL = 10_000;
/** An item's data, as JSON text, at most this many bytes. */
export const MAX_ITEM_PAYLOAD_BYTES = 64 * 1024;
/** A reference, at most this many characters (the column's check). */
export const MAX_REFERENCE_CHARS = 256;
