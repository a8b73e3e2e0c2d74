/**
 * Holm–Bonferroni adjusted p-values: with m comparisons sorted p₍₁₎ ≤ … ≤ p₍ₘ₎,
 *   p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎),
 * and comparison i is significant at family-wise level α when p̃ᵢ < α. It controls the family-wise
 * error rate like Bonferroni under any dependence (treatments share the control, so the comparisons are
 * correlated) and rejects at least as often. NaN p-values (no test possible) count in m, sort last and
 * stay NaN. The result is in the input's order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p: Number.isNaN(p) ? Infinity : p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m).fill(NaN);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    if (p === Infinity) return;
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
