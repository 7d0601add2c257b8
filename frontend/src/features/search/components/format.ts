/** 0.9534 → "95.3%" */
export function formatCertainty(certainty: number): string {
  return `${(Math.round(certainty * 1000) / 10).toFixed(1)}%`;
}

/** A fraction as a CSS percentage. */
export function percent(part: number, whole: number): string {
  return `${(part / whole) * 100}%`;
}
