// Which elements tier 1 collects as candidates for a recorded element (the hint of collectCandidates).
// A native control stays a control across versions: a <button> or <a> stays something one presses
// (perhaps another tag, or a role=button), an <input> something one types into. Anything else does
// not keep its tag or even its kind: Redoc's rewrite turned its clickable <div class="zippy-title">
// into a <button> and its <h5> method label into a <span>; Verdaccio's install entries, <div
// role="button">, became plain <li>. Narrowing those to the recorded tag or kind left the element out
// of the pool, and the scorer, which can only rank what it is given, then picked the best of the rest
// (the button's wrapper <div>, another heading) with a clear margin: a wrong heal. So only a native
// control narrows the pool (to its tag or kind); anything else is searched among every visible
// element, as the real-version benchmark measures it.
//
// Plain JavaScript source, interpolated into the in-page code (inpage.ts) and turned into a function
// here for Node, so the page and the tests run the same rule.

/** Recorded tags that narrow the pool to elements of the same tag or the same kind (elementKind). */
export const NARROWING_TAGS: readonly string[] = ['a', 'button', 'input', 'select', 'textarea', 'summary'];

export const KEPT_BY_HINT_SOURCE = String.raw`(hint, tag, kind) => {
  if (!hint || (!hint.tag && !hint.kind)) return true;
  if (hint.tag && !${JSON.stringify(NARROWING_TAGS)}.includes(hint.tag)) return true;
  return tag === hint.tag || kind === hint.kind;
}`;

/** Whether an element (its tag and elementKind) belongs to the candidate pool of a hint. */
export const keptByHint = new Function(`return (${KEPT_BY_HINT_SOURCE});`)() as (
  hint: { tag?: string; kind?: string } | undefined,
  tag: string,
  kind: string,
) => boolean;
