// "did you mean ...?" suggestions, tuned like Ruby's DidYouMean::SpellChecker:
//
//   1. keep candidates whose Jaro-Winkler similarity to the word is >= 0.834 (0.77 for words of
//      3 characters or fewer), best first;
//   2. of those, prefer the ones within Levenshtein distance ceil(len/4) (mistypes);
//   3. else take the best one whose distance is below the shorter length (misspells).
//
// Comparison is case-insensitive and ignores "@" (so `type` suggests `@type`).

function normalize(s: string): string {
  return s.toLowerCase().replace(/@/g, '');
}

function jaro(a: string, b: string): number {
  let s1 = [...a];
  let s2 = [...b];
  if (s1.length > s2.length) [s1, s2] = [s2, s1];
  if (s1.length === 0) return 0;
  const range = Math.max(0, Math.floor(s2.length / 2) - 1);
  const used2 = new Array<boolean>(s2.length).fill(false);
  const used1 = new Array<boolean>(s1.length).fill(false);
  let matches = 0;
  for (let i = 0; i < s1.length; i++) {
    const lo = Math.max(0, i - range);
    const hi = Math.min(s2.length - 1, i + range);
    for (let j = lo; j <= hi; j++) {
      if (!used2[j] && s1[i] === s2[j]) {
        used1[i] = used2[j] = true;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < s1.length; i++) {
    if (!used1[i]) continue;
    while (k < s2.length && !used2[k]) k++;
    if (s1[i] !== s2[k]) transpositions++;
    k++;
  }
  const t = Math.floor(transpositions / 2);
  return (matches / s1.length + matches / s2.length + (matches - t) / matches) / 3;
}

export function jaroWinkler(a: string, b: string): number {
  const d = jaro(a, b);
  if (d <= 0.7) return d;
  const ca = [...a];
  const cb = [...b];
  let prefix = 0;
  while (prefix < 4 && prefix < ca.length && ca[prefix] === cb[prefix]) prefix++;
  return d + prefix * 0.1 * (1 - d);
}

export function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]!;
}

/** The closest candidate to `word`, or undefined when none is close enough. */
export function didYouMean(word: string, candidates: string[]): string | undefined {
  const input = normalize(word);
  if (input === '' || input.length > 256) return undefined;
  const threshold = input.length > 3 ? 0.834 : 0.77;
  const scored = candidates
    .filter((c) => c !== word && c.length <= 256)
    .map((c) => ({ c, n: normalize(c), score: jaroWinkler(normalize(c), input) }))
    .filter((x) => x.score >= threshold)
    .sort((x, y) => y.score - x.score);
  const maxDist = Math.ceil(input.length * 0.25);
  const typo = scored.find((x) => levenshtein(x.n, input) <= maxDist);
  if (typo) return typo.c;
  const misspell = scored.find((x) => levenshtein(x.n, input) < Math.min(input.length, x.n.length));
  return misspell?.c;
}
