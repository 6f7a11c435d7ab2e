// URL and title patterns of steps: `*` matches any run of characters; everything else literally.
// Matched without a regular expression: a hostile pattern with many stars against a long URL costs
// at most pattern x text steps, never exponential backtracking.

export function globMatch(pattern: string, s: string): boolean {
  if (!pattern.includes('*')) return pattern === s;
  let p = 0;
  let i = 0;
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = i;
    } else if (p < pattern.length && pattern[p] === s[i]) {
      p++;
      i++;
    } else if (star >= 0) {
      // The last star takes one more character; the rest of the pattern is tried again from there.
      p = star + 1;
      i = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
